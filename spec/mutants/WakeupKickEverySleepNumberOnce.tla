-------------------- MODULE WakeupKickEverySleepNumberOnce --------------------
(* MUTANT.  The waker remembers only whether it kicked at all (a boolean),  *)
(* not which sleep it kicked: after one kick it never kicks again.          *)
(* Design question: why does the flag carry a sleep NUMBER? Suppressing     *)
(* repeated kicks must be per sleep, or the second sleep is never woken.    *)
(* Expected: invariant NoLostWakeup.                                        *)
EXTENDS DataportWakeup

MKick == /\ ppc = "kick"
         /\ IF seen # 0 /\ kicked = 0
               THEN bell' = TRUE /\ kicked' = seen
               ELSE UNCHANGED <<bell, kicked>>
         /\ ppc' = "publish"
         /\ UNCHANGED <<mem, sbP, sbC, produced, seen, cpc, consumed, sleepNo, recheck>>

MNext == \/ DrainP \/ DrainC
         \/ PublishPosition \/ FenceP \/ ReadNeedsWakeup \/ MKick
         \/ Poll \/ SetNeedsWakeup \/ FenceC \/ Recheck \/ Sleep \/ FinishSleep
         \/ Finished
MSpec == Init /\ [][MNext]_vars
=============================================================================
