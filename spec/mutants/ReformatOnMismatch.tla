-------------------------- MODULE ReformatOnMismatch --------------------------
(* MUTANT.  A peer that finds a ready directory of another geometry         *)
(* reformats the region for its own (CAS ready -> formatting(gen + 1, me))  *)
(* instead of refusing it.  Expected: two peers attached to different      *)
(* directories, or a format accepted twice.                                *)
EXTENDS RegionFormat
Reformat(p) ==
    /\ pc[p] = "start" /\ word.st = "ready" /\ word.sum # SumOf(Want[p]) /\ word.gen < MAXGEN
    /\ word' = Formatting(word.gen + 1, p)
    /\ pc' = [pc EXCEPT ![p] = "write"] /\ gen' = [gen EXCEPT ![p] = word.gen + 1]
    /\ nw' = [nw EXCEPT ![p] = 0]
    /\ UNCHANGED <<field, got, att, readies>>
MNext == \E p \in Procs : Step(p) \/ Publish(p) \/ Validate(p) \/ Reformat(p)
MSpec == Init /\ [][MNext]_vars
===============================================================================
