---------------------- MODULE RestartFromProducerPosition ----------------------
(* MUTANT.  A restarted consumer resumes at the producer's position ("skip   *)
(* to the newest data") instead of its own published position.              *)
(* Design question: where must a restarted side resume?  (At its own last    *)
(* published position: everything after it is committed and not yet         *)
(* acknowledged.)                                                            *)
(* Expected: property Refinement (records leave the queue that no handler    *)
(* received: lost).                                                          *)
EXTENDS DataportRing

AttachConsumerAtProducer ==
    /\ cpc = "down"
    /\ cpc' = "poll"
    /\ head' = producerPosition                    \* was: consumerPosition
    /\ UNCHANGED <<shared, prodVars, batch, hdr, rd, ghostVars>>

MEnvironment == Abort \/ CrashProducer \/ AttachProducer \/ CrashConsumer \/ AttachConsumerAtProducer

MNext == ProducerWork \/ ConsumerWork \/ MEnvironment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
