------------------------- MODULE WakeupMeshNoRoomFence -------------------------
(* MUTANT.  The consumer reads the producers' need-wake-up flags right after *)
(* publishing its positions, without the full fence (its position store may  *)
(* still sit in its store buffer).  Expected: a producer that sleeps for     *)
(* room is never kicked (NoLostWakeupP): the Dekker pattern, room direction. *)
EXTENDS WakeupMesh
FenceC2NoWait ==
    /\ cpc = "fence2"
    /\ cpc' = "readflags"
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>
MConsumer == \/ \E r \in Rings : PollRing(r) \/ ReadNeedsWakeupC(r)
             \/ WakeProducers \/ FenceC2NoWait \/ StartSleep \/ SetNeedsWakeupWith(Rings) \/ FenceC
             \/ RecheckWith(Rings) \/ RecheckedWith(Rings) \/ SleepC \/ ClearC
MNext == \/ \E p \in Procs : Drain(p)
         \/ \E r \in Rings : Producers(r)
         \/ MConsumer
         \/ Finished
MSpec == Init /\ [][MNext]_vars
================================================================================
