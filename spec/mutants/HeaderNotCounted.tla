--------------------------- MODULE HeaderNotCounted ---------------------------
(* MUTANT.  Off-by-one full check: the room check counts the payload but     *)
(* not the 8-byte record header (need - 1 slot).                             *)
(* Design question: is the full check exact, i.e. does the model catch a     *)
(* check that is wrong by a single slot?                                     *)
(* Expected: invariant NoOverwriteUnread.                                    *)
EXTENDS DataportRing

MRoomFor(cache, s) == Dist(cache, tail) + Need(tail, s) - 1 <= CAPACITY  \* was: no "- 1"

MTryClaim(s) == TryClaimWith(MRoomFor, PadsFor, s)
MRefreshConsumerPosition == RefreshConsumerPositionWith(MRoomFor, PadsFor)

MProducerWork == \/ \E s \in SIZES : MTryClaim(s)
                 \/ MRefreshConsumerPosition
                 \/ WritePadding
                 \/ WritePayload
                 \/ WriteRecordHeader
                 \/ PublishProducerPosition

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
