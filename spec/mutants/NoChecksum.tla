-------------------------- MODULE NoChecksum --------------------------
(* MUTANT.  An attacher validates the field it needs (the last one) but not *)
(* the checksum of the whole directory.  Expected: after a paused          *)
(* formatter's late field store, a peer attaches to a directory that is not *)
(* the one the ready word describes (AttachedIsValid).                     *)
EXTENDS RegionFormat
MNext == \E p \in Procs : Step(p) \/ Publish(p) \/ ValidateWith(p, LAMBDA x : got[x][NF] = Want[x])
MSpec == Init /\ [][MNext]_vars
===============================================================================
