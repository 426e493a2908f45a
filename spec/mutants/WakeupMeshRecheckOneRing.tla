------------------------ MODULE WakeupMeshRecheckOneRing ------------------------
(* MUTANT.  A thread that sleeps for several rings announces on all of them  *)
(* but re-checks only one (the ring it last served) before sleeping.         *)
(* Expected: a record published on the other ring between the poll round    *)
(* and the announcement is never seen nor kicked for (NoLostWakeupC).        *)
EXTENDS WakeupMesh
MConsumer == \/ \E r \in Rings : PollRing(r) \/ ReadNeedsWakeupC(r)
             \/ WakeProducers \/ FenceC2 \/ StartSleep \/ SetNeedsWakeupWith(Rings) \/ FenceC
             \/ RecheckWith({1}) \/ RecheckedWith({1}) \/ SleepC \/ ClearC
MNext == \/ \E p \in Procs : Drain(p)
         \/ \E r \in Rings : Producers(r)
         \/ MConsumer
         \/ Finished
MSpec == Init /\ [][MNext]_vars
================================================================================
