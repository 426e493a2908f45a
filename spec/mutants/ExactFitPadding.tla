--------------------------- MODULE ExactFitPadding ---------------------------
(* MUTANT.  tryClaim pads when the record exactly fills to the end           *)
(* (length >= toEnd instead of length > toEnd) while the room check still    *)
(* counts an exact fit as needing no padding.                                *)
(* Design question: is "exactly fills to the end" one consistent rule        *)
(* (no padding) everywhere it is decided?                                    *)
(* Expected: invariant NoOverwriteUnread (the padding + record span is       *)
(* larger than the room that was checked).                                   *)
EXTENDS DataportRing

MPadsFor(s) == s >= ToEnd(tail)      \* was: s > ToEnd(tail)

MTryClaim(s) == TryClaimWith(RoomFor, MPadsFor, s)
MRefreshConsumerPosition == RefreshConsumerPositionWith(RoomFor, MPadsFor)

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
