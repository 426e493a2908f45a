------------------------ MODULE WakeupMeshPollUnbounded ------------------------
(* MUTANT.  The polling notifier's sleep has no bound: the sleeper waits for *)
(* a kick that the polling notifier never sends (a park without a timeout).  *)
(* Expected: records stay unconsumed for ever (liveness AllConsumed).        *)
EXTENDS WakeupMesh
SleepCUnbounded ==
    /\ cpc = "sleep"
    /\ bellC
    /\ bellC' = FALSE
    /\ cpc' = "clear"
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, consumed, announced, checked, found, freed, kicksFor, bellP>>
MConsumer == \/ \E r \in Rings : PollRing(r) \/ ReadNeedsWakeupC(r)
             \/ WakeProducers \/ FenceC2 \/ StartSleep \/ SetNeedsWakeupWith(Rings) \/ FenceC
             \/ RecheckWith(Rings) \/ RecheckedWith(Rings) \/ SleepCUnbounded \/ ClearC
MNext == \/ \E p \in Procs : Drain(p)
         \/ \E r \in Rings : Producers(r)
         \/ MConsumer
         \/ Finished
MFairness == /\ WF_vars(Drain(C)) /\ \A r \in Rings : WF_vars(Drain(r))
             /\ \A r \in Rings : WF_vars(Producers(r))
             /\ WF_vars(MConsumer)
MSpec == Init /\ [][MNext]_vars /\ MFairness
================================================================================
