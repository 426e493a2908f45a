------------------------ MODULE WakeupMeshNoRoomRecheck ------------------------
(* MUTANT.  A producer that announces it sleeps for room does not re-read    *)
(* the consumer position after its fence: it sleeps on what it read before.  *)
(* Expected: room freed between that read and the announcement is never      *)
(* kicked for, and the producer sleeps with room available (NoLostWakeupP).  *)
EXTENDS WakeupMesh
RecheckPNot(r) ==
    /\ ppc[r] = "recheck"
    /\ ppc' = [ppc EXCEPT ![r] = IF produced[r] - cachedCons[r] < CAP THEN "clear" ELSE "sleep"]
    /\ UNCHANGED <<mem, sb, produced, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>
MProducers(r) == Claim(r) \/ PublishPosition(r) \/ FenceP(r) \/ ReadNeedsWakeupP(r)
                 \/ AnnounceP(r) \/ FenceSleepP(r) \/ RecheckPNot(r) \/ SleepP(r) \/ ClearP(r)
MNext == \/ \E p \in Procs : Drain(p)
         \/ \E r \in Rings : MProducers(r)
         \/ Consumer
         \/ Finished
MSpec == Init /\ [][MNext]_vars
================================================================================
