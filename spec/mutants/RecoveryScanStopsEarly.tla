--------------------------- MODULE RecoveryScanStopsEarly ---------------------------
(* MUTANT (layout version 3).  A restarted producer trusts the lazily       *)
(* published position: its scan stops at the first record instead of       *)
(* walking to the end marker (tail = the later of the two positions).       *)
(* Design question: with positions published lazily, must a restarted      *)
(* producer find its frontier by scanning the headers?                     *)
(* Expected: property Refinement (it writes over committed records the      *)
(* consumer has not read).                                                  *)
EXTENDS DataportRing

MScanForEnd == ScanForEndWith(LAMBDA c : c.k = "H")   \* was: never stops before the end marker

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
                 \/ RefreshConsumerPosition
                 \/ WriteEndMarker
                 \/ WritePadding
                 \/ WritePayload
                 \/ FinishPayload
                 \/ WriteRecordHeader
                 \/ Publish
                 \/ PublishProducerPosition
                 \/ MScanForEnd

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
