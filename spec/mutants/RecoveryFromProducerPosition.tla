------------------------ MODULE RecoveryFromProducerPosition ------------------------
(* MUTANT (layout version 3).  A restarted producer scans from the producer *)
(* position it published last, even when the consumer is ahead of it.       *)
(* Design question: is the lazy producer position a safe place to start     *)
(* the scan?  (No: the consumer may have consumed past it, and the bytes     *)
(* behind the consumer are stale; start at the later of the two.)           *)
(* Expected: invariant NeverPoisoned (the scan starts behind the consumer,   *)
(* outside the lap it may read: an honest restart is refused).              *)
EXTENDS DataportRing

MAttachProducer == AttachProducerWith(LAMBDA p, c : p)   \* was: LaterOf(p, c)

MEnvironment == Abort \/ CrashProducer \/ MAttachProducer \/ CrashConsumer \/ AttachConsumer
MNext == ProducerWork \/ ConsumerWork \/ MEnvironment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
