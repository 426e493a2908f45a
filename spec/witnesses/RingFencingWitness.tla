-------------------------- MODULE RingFencingWitness --------------------------
(* Reachability witnesses (vacuity checks) of RingFencing.tla: each "Never..."  *)
(* predicate is expected to be VIOLATED; TLC's counterexample shows that the *)
(* CI model really reaches the situation.                                    *)
EXTENDS RingFencing

\* Witnesses (TLC must violate them: the CI model reaches these states).
NeverLateStore == ~late
NeverHoleReleased == ~released
NeverDeliveredAcrossTakeover ==
    ~(delivered >= 2 /\ writer[committed[1]] = 1 /\ writer[committed[delivered]] = 2)

===============================================================================
