-------------------------- MODULE LeaseExpiryWitness --------------------------
(* Reachability witnesses (vacuity checks) of LeaseExpiry.tla: each "Never..."  *)
(* predicate is expected to be VIOLATED; TLC's counterexample shows that the *)
(* CI model really reaches the situation.                                    *)
EXTENDS LeaseExpiry

\* Witness (a Never... that TLC must violate): a crashed owner is taken over.
NeverTakenAfterCrash == ~(\E p \in Procs : state[p] = "down" /\ owner # p)
===============================================================================
