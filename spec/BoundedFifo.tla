----------------------------- MODULE BoundedFifo -----------------------------
(***************************************************************************)
(* The abstract service the Dataport ring must provide: a FIFO queue of    *)
(* records, bounded by bytes.  A record is its sequence number (modulo     *)
(* IDMOD) and its size in 8-byte slots (header slot included).             *)
(*                                                                         *)
(*   Enqueue  one or more records become visible at once (the ring's       *)
(*            PublishProducerPosition may publish a batch of commits).     *)
(*   Dequeue  a non-empty prefix is acknowledged at once (the ring's       *)
(*            PublishConsumerPosition acknowledges a whole poll batch).    *)
(*                                                                         *)
(* `enq` and `deq` count the records ever enqueued / dequeued (mod IDMOD); *)
(* the id of the next enqueued record is `enq`, so "in order, none lost,   *)
(* none duplicated" is the invariant FifoOrder of this module and every    *)
(* implementation step that adds, drops, reorders or changes a record is   *)
(* not a step of Next.                                                     *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS
    CAPACITY,   \* bound on the sum of the sizes of the queued records
    SIZES,      \* the record sizes
    IDMOD,      \* record ids are sequence numbers modulo IDMOD
    MAXBATCH    \* at most this many records become visible in one Enqueue

ASSUME /\ CAPACITY \in Nat \ {0}
       /\ SIZES \subseteq 1..CAPACITY /\ SIZES # {}
       /\ IDMOD \in Nat \ {0}
       /\ MAXBATCH \in Nat \ {0}

VARIABLES queue, enq, deq
vars == <<queue, enq, deq>>

Ids == 0..IDMOD-1
Rec == [id : Ids, size : SIZES]

RECURSIVE Bytes(_)
Bytes(s) == IF s = <<>> THEN 0 ELSE Head(s).size + Bytes(Tail(s))

TypeOK == /\ queue \in Seq(Rec)
          /\ enq \in Ids
          /\ deq \in Ids

Init == /\ queue = <<>>
        /\ enq = 0
        /\ deq = 0

\* n records of sizes sz[1..n] are appended, numbered enq, enq+1, ...
\* (The cheap conjuncts on enq/deq come first: when TLC checks a ring step
\* against this action, they reject most candidates before the queue is built.)
Enqueue(n, sz) ==
    /\ enq' = (enq + n) % IDMOD
    /\ UNCHANGED deq
    /\ LET new == [i \in 1..n |-> [id |-> (enq + i - 1) % IDMOD, size |-> sz[i]]]
       IN  /\ Bytes(queue \o new) <= CAPACITY
           /\ queue' = queue \o new

\* the first n records are removed
Dequeue(n) ==
    /\ deq' = (deq + n) % IDMOD
    /\ UNCHANGED enq
    /\ n \in 1..Len(queue)
    /\ queue' = SubSeq(queue, n + 1, Len(queue))

Next == \/ \E n \in 1..MAXBATCH : \E sz \in [1..n -> SIZES] : Enqueue(n, sz)
        \/ \E n \in 1..Len(queue) : Dequeue(n)

\* The safety part is what the ring refines step by step.
SafetySpec == Init /\ [][Next]_vars

\* A non-empty queue is eventually dequeued from.
Spec == SafetySpec /\ WF_vars(\E n \in 1..Len(queue) : Dequeue(n))

-----------------------------------------------------------------------------
(* Properties of the abstract queue itself (checked by BoundedFifo.cfg).   *)
FifoOrder == \A i \in 1..Len(queue) : queue[i].id = (deq + i - 1) % IDMOD
Counted   == enq = (deq + Len(queue)) % IDMOD
Bounded   == Bytes(queue) <= CAPACITY
=============================================================================
