-------------------------- MODULE DataportRingWitness --------------------------
(* Reachability witnesses (vacuity checks).  Each "Never..." predicate is    *)
(* expected to be VIOLATED by the real spec: TLC's counterexample is a       *)
(* behaviour that reaches the situation, which shows the CI model really     *)
(* visits it (the safety results would be hollow otherwise).                 *)
(* The Never...Consumed ones are action properties [][~Step]_vars: the      *)
(* consumer-side event is a step, not a state (TLC names such a property    *)
(* when it is violated; its cfg lists it as the only PROPERTY).             *)
EXTENDS DataportRing

\* the producer counter has wrapped past POSMOD while the consumer's has not
NeverCounterWrap == ~(ProducerUp /\ tail < consumerPosition)

\* a padding record was written (some record did not fit before the end)
NeverPadding == \A i \in Slots : buf[i].k # "D"

\* a record was written that ends exactly at the region end (no padding)
NeverExactFit == \A i \in Slots : buf[i].k = "H" => i + buf[i].size < CAPACITY

\* the ring was completely full: the producer's end marker is in the last
\* slot before consumerPosition + CAPACITY
NeverFull == ~(ProducerUp /\ Dist(consumerPosition, tail) = CAPACITY - 1)

\* after both sides crashed and re-attached, records still flow: the consumer
\* acknowledged a batch after its own restart and after the producer's
NeverRecoveredBoth == ~(pCrashes = MAXCRASH /\ cCrashes = MAXCRASH /\ ppc # "down"
                        /\ cpc = "poll" /\ EndOfBatch /\ batch # <<>>)

\* A record was handed to the handler (a ReadRecordHeader of a header-only
\* record or the last ReadPayload): the batch grows by one and head moves
\* past the record, which started at Idx(head) and has Dist(head, head') slots.
Delivery == Len(batch') = Len(batch) + 1 /\ head' # head

\* the consumer skipped a padding record that carries payload bytes (2 slots
\* or more: the header and bytes nobody reads), in ReadRecordHeader
NeverPaddingConsumed ==
    [][~(/\ cpc = "poll" /\ cpc' = "poll" /\ head' # head
         /\ buf[Idx(head)].k = "D" /\ buf[Idx(head)].size >= 2)]_vars

\* the consumer delivered a record whose payload spans 2 slots or more
NeverMultiSlotConsumed ==
    [][~(Delivery /\ Dist(head, head') >= 3)]_vars

\* the consumer delivered a record that ends exactly at the region end
NeverExactFitConsumed ==
    [][~(Delivery /\ Idx(head) + Dist(head, head') = CAPACITY)]_vars

\* the consumer released (published its position past) the end of the data
\* region and at least one slot after it: one batch consumed across the wrap
NeverWrapConsumed ==
    [][~(/\ consumerPosition' # consumerPosition /\ cpc \in {"poll", "publish"}
         /\ Dist(consumerPosition, consumerPosition') > ToEnd(consumerPosition))]_vars
\* a restarted producer's recovery scan walked over a committed record or
\* padding (layout version 3)
NeverScannedRecord == [][~(ppc = "scan" /\ ppc' = "scan" /\ tail' # tail)]_vars

\* a restarted producer found its hint behind the consumer and scanned from
\* the consumer position instead
NeverHintBehind == ~(ppc = "scan" /\ Dist(consumerPosition, producerPosition) > CAPACITY)

\* one Publish made two records visible at once (a batch behind a held header)
NeverBatchPublished == [][~(unpub = 2 /\ unpub' = 0 /\ pubCount' # pubCount)]_vars
================================================================================
