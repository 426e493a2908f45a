-------------------------- MODULE FormatPublishedTwice --------------------------
(* MUTANT.  The formatter publishes "ready" with a plain store instead of a *)
(* CAS from formatting(gen, me): a formatter that was overtaken (paused,   *)
(* its format taken over) still publishes its own directory.  Expected:    *)
(* the region is formatted twice (AtMostOneFormat).                        *)
EXTENDS RegionFormat
MNext == \E p \in Procs : Step(p) \/ PublishWith(p, LAMBDA x : TRUE) \/ Validate(p)
MSpec == Init /\ [][MNext]_vars
===============================================================================
