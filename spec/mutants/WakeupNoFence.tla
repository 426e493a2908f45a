---------------------------- MODULE WakeupNoFence ----------------------------
(* MUTANT.  Neither side issues the full fence: the waker reads the flag    *)
(* and the sleeper re-checks the position while their own stores may still *)
(* sit in their store buffers (release/acquire only).                       *)
(* Design question: are the two full fences of the wake-up protocol        *)
(* needed, or does release/acquire suffice (the io_uring lost wake-up)?     *)
(* Expected: invariant NoLostWakeup.                                        *)
EXTENDS DataportWakeup

MFenceP == /\ ppc = "fence" /\ ppc' = "readflag"
           /\ UNCHANGED <<mem, sbP, sbC, produced, seen, kicked, cpc, consumed, sleepNo, recheck, bell>>
MFenceC == /\ cpc = "fence" /\ cpc' = "recheck"
           /\ UNCHANGED <<mem, sbP, sbC, ppc, produced, seen, kicked, consumed, sleepNo, recheck, bell>>

MNext == \/ DrainP \/ DrainC
         \/ PublishPosition \/ MFenceP \/ ReadNeedsWakeup \/ Kick
         \/ Poll \/ SetNeedsWakeup \/ MFenceC \/ Recheck \/ Sleep \/ FinishSleep
         \/ Finished
MSpec == Init /\ [][MNext]_vars
=============================================================================
