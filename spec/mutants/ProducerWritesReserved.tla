------------------------ MODULE ProducerWritesReserved -----------------------
(* MUTANT.  The producer does not skip the reserved slots of a lap: after a *)
(* padding or an exact fit it writes its next record at index 0, over the  *)
(* ring's header page in a region.                                         *)
(* Expected: a reserved slot is written (NeverInReserved).                 *)
EXTENDS DataportRing
NoSkip(p) == p
===============================================================================
