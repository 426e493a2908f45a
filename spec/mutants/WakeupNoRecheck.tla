--------------------------- MODULE WakeupNoRecheck ---------------------------
(* MUTANT.  The sleeper sets its flag and fences, then sleeps without       *)
(* re-checking the ring.                                                    *)
(* Design question: is the re-check after the fence needed? A record        *)
(* published after the sleeper's last poll but before its flag became       *)
(* visible to the waker is never kicked for.                                *)
(* Expected: invariant NoLostWakeup.                                        *)
EXTENDS DataportWakeup

MFenceC == /\ cpc = "fence" /\ sbC = << >> /\ cpc' = "sleep"
           /\ UNCHANGED <<mem, sbP, sbC, ppc, produced, seen, kicked, consumed, sleepNo, recheck, bell>>

MNext == \/ DrainP \/ DrainC
         \/ PublishPosition \/ FenceP \/ ReadNeedsWakeup \/ Kick
         \/ Poll \/ SetNeedsWakeup \/ MFenceC \/ Recheck \/ Sleep \/ FinishSleep
         \/ Finished
MSpec == Init /\ [][MNext]_vars
=============================================================================
