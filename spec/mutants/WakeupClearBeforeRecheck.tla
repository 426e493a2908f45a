----------------------- MODULE WakeupClearBeforeRecheck -----------------------
(* MUTANT.  The sleeper clears its flag before the re-check (instead of    *)
(* after waking), then re-checks and sleeps.                                *)
(* Design question: must the flag stay set from the fence until the sleep  *)
(* ends? A waker that reads the flag after it was cleared suppresses the    *)
(* kick for a record the re-check did not see.                              *)
(* Expected: invariant NoLostWakeup.                                        *)
EXTENDS DataportWakeup

MFenceC == /\ cpc = "fence" /\ sbC = << >>
           /\ sbC' = Store(sbC, "flag", 0)
           /\ cpc' = "recheck"
           /\ UNCHANGED <<mem, sbP, ppc, produced, seen, kicked, consumed, sleepNo, recheck, bell>>
MSleep == /\ cpc = "sleep" /\ bell
          /\ bell' = FALSE /\ cpc' = "poll"
          /\ UNCHANGED <<mem, sbP, sbC, ppc, produced, seen, kicked, consumed, sleepNo, recheck>>

MNext == \/ DrainP \/ DrainC
         \/ PublishPosition \/ FenceP \/ ReadNeedsWakeup \/ Kick
         \/ Poll \/ SetNeedsWakeup \/ MFenceC \/ Recheck \/ MSleep \/ FinishSleep
         \/ Finished
MSpec == Init /\ [][MNext]_vars
=============================================================================
