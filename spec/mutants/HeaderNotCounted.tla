--------------------------- MODULE HeaderNotCounted ---------------------------
(* MUTANT.  Off-by-one full check: the room check is one slot short (it     *)
(* counts the record but not the end marker's slot after it: need - 1).   *)
(* Design question: is the full check exact, i.e. does the model catch a     *)
(* check that is wrong by a single slot?                                     *)
(* Expected: invariant NoOverwriteUnread.                                    *)
EXTENDS DataportRing

MRoomFor(cache, s) == Dist(cache, tail) + Need(tail, s) - 1 <= CAPACITY  \* was: no "- 1"

MTryClaim(s) == TryClaimWith(MRoomFor, PadsFor, s)
MRefreshConsumerPosition == RefreshConsumerPositionWith(MRoomFor, PadsFor)

MProducerWork == \/ \E s \in SIZES : MTryClaim(s)
                 \/ MRefreshConsumerPosition
                 \/ WriteEndMarker
                 \/ WritePadding
                 \/ WritePayload
                 \/ FinishPayload
                 \/ WriteRecordHeader
                 \/ Publish
                 \/ PublishProducerPosition
                 \/ ScanForEnd

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
