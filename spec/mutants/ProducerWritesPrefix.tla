------------------------ MODULE ProducerWritesPrefix -----------------------
(* MUTANT.  The producer does not skip the prefix slots of a lap: after a *)
(* padding or an exact fit it writes its next record at index 0, over the  *)
(* ring's header page in a region.                                         *)
(* Expected: a prefix slot is written (NeverInPrefix).                     *)
EXTENDS DataportRing
NoSkip(p) == p
===============================================================================
