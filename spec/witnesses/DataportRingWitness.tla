-------------------------- MODULE DataportRingWitness --------------------------
(* Reachability witnesses (vacuity checks).  Each "Never..." predicate is    *)
(* expected to be VIOLATED by the real spec: TLC's counterexample is a       *)
(* behaviour that reaches the situation, which shows the CI model really     *)
(* visits it (the safety results would be hollow otherwise).                 *)
EXTENDS DataportRing

\* the producer counter has wrapped past POSMOD while the consumer's has not
NeverCounterWrap == ~(producerPosition < consumerPosition)

\* a padding record was written (some record did not fit before the end)
NeverPadding == \A i \in Slots : buf[i].k # "D"

\* a record was written that ends exactly at the region end (no padding)
NeverExactFit == \A i \in Slots : buf[i].k = "H" => i + buf[i].size < CAPACITY

\* the published ring was completely full (no slot kept empty)
NeverFull == Dist(consumerPosition, producerPosition) < CAPACITY

\* after both sides crashed and re-attached, records still flow: the consumer
\* acknowledged a batch after its own restart and after the producer's
NeverRecoveredBoth == ~(pCrashes = MAXCRASH /\ cCrashes = MAXCRASH /\ ppc # "down"
                        /\ cpc = "poll" /\ EndOfBatch /\ batch # <<>>)
================================================================================
