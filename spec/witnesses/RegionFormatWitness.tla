-------------------------- MODULE RegionFormatWitness --------------------------
(* Reachability witnesses (vacuity checks) of RegionFormat.tla: each "Never..."  *)
(* predicate is expected to be VIOLATED; TLC's counterexample shows that the *)
(* CI model really reaches the situation.                                    *)
EXTENDS RegionFormat

\* Witnesses (TLC must violate them): a peer attaches after a takeover of a
\* stalled format; a peer of another geometry is refused.
NeverAttachedAfterTakeover == ~(\E p \in Procs : pc[p] = "attached" /\ att[p].gen > 1)
NeverRefusedMismatch == ~(\E p \in Procs : pc[p] = "refused" /\ word.st = "ready"
                                          /\ word.sum # SumOf(Want[p]))
===============================================================================
