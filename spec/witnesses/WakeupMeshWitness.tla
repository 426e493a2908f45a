--------------------------- MODULE WakeupMeshWitness ---------------------------
(* Reachability witnesses (vacuity checks) of WakeupMesh.tla: each "Never..."  *)
(* predicate is expected to be VIOLATED; TLC's counterexample shows that the   *)
(* CI model really reaches the situation.                                      *)
EXTENDS WakeupMesh

\* a producer that slept for room was kicked by the consumer
NeverProducerKicked == \A r \in Rings : ~(ppc[r] = "sleep" /\ bellP[r])

\* the consumer slept on both rings at once and was kicked
NeverConsumerKickedAsleep == ~(cpc = "sleep" /\ bellC /\ announced = Rings)
================================================================================
