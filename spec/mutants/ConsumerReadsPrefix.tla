------------------------ MODULE ConsumerReadsPrefix ------------------------
(* MUTANT.  The consumer does not skip the prefix slots of a lap: after a *)
(* padding or an exact fit it reads the next header at index 0, where the  *)
(* region keeps the ring's header page.                                    *)
(* Expected: it reads the prefix bytes as a header (NeverFooled).         *)
EXTENDS DataportRing
NoSkip(p) == p
===============================================================================
