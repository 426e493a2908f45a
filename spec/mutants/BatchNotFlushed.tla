---------------------------- MODULE BatchNotFlushed ----------------------------
(* MUTANT.  A producer that uses commitBatched() and then finds the ring     *)
(* full waits for room without publishing its batch first                    *)
(* (Publish only from "idle").                                            *)
(* Design question: must tryClaim publish pending batched records before it  *)
(* reports "full" (or the caller call publish() before waiting)?             *)
(* Expected: deadlock (the consumer waits for records the producer holds,    *)
(* the producer waits for room only the consumer can free).                  *)
EXTENDS DataportRing

PublishIdleOnly ==
    /\ ppc = "idle"                       \* was: ppc \in {"idle", "full"}
    /\ Publish

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
                 \/ RefreshConsumerPosition
                 \/ WriteEndMarker
                 \/ WritePadding
                 \/ WritePayload
                 \/ FinishPayload
                 \/ WriteRecordHeader
                 \/ PublishIdleOnly
                 \/ PublishProducerPosition
                 \/ ScanForEnd

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
