--------------------------- MODULE DataportRingTrace ---------------------------
(***************************************************************************)
(* Trace validation of the Java ring against DataportRing (issue 4, part   *)
(* 3; docs/verification.md, "Trace validation").  A test run of the real   *)
(* RingProducer / RingConsumer logs every shared-memory access (one        *)
(* SharedRing call, named after the DataportRing action that performs it)  *)
(* and the few application-level events that are local-only steps of the  *)
(* spec (TryClaim, Abort, Crash*, the poll limit).  proofs-ci writes the   *)
(* logs of several runs into a module that EXTENDS this one and defines    *)
(* the constant Logs; TLC starts one behaviour per log and checks that     *)
(* each log is a behaviour of DataportRing: every step consumes the next   *)
(* event with the one DataportRing step it stands for (Match), or with no  *)
(* step where the spec has none (Skip), possibly after DataportRing steps  *)
(* the log does not show (Hidden).  Every behaviour is deterministic (at   *)
(* most one successor), so TraceAccepted fails exactly in the first state  *)
(* where the next event, Logs[run][traceIndex], cannot be matched.         *)
(*                                                                         *)
(* Units: Java bytes -> 8-byte slots; Java's 64-bit positions, minus the   *)
(* run's start position, / 8, mod POSMOD.  An event is a record:           *)
(*   by   "producer" | "consumer"   the end that made the step             *)
(*   a    the action (SharedRing method / application event)               *)
(*   v    a position (Read*/Publish*Position)                              *)
(*   i    a slot index of the data region; j: end of a payload range       *)
(*        (exclusive; i = j: zero bytes)                                   *)
(*   n    a size in slots (header included), a poll limit or a count       *)
(*   k    the kind of a header read: "H" record, "D" padding, "E" the end   *)
(*        marker, "?" corrupt                                              *)
(*   st   the producer's control state an API call's result implies        *)
(* A value that does not map (a misaligned index or position) is -1.       *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS
    CAPACITY, POSMOD, SIZES, IDMOD, MAXCRASH,   \* as in DataportRing
    Logs        \* the runs' logs: a sequence of sequences of event records

VARIABLES
    buf, producerPosition, consumerPosition,
    ppc, tail, cachedConsumerPosition, claimSize, written, unpub, held,
    cpc, head, batch, hdr, rd,
    pubCount, ackCount, pCrashes, cCrashes,
    run,            \* which log this behaviour follows
    traceIndex,     \* the next event of Logs[run] to match
    pollLimit,      \* the limit of the current poll (DataportRing's LIMIT)
    wantClaim       \* size of a claim Java began whose spec step waits for the hint (0: none)

ring == <<buf, producerPosition, consumerPosition,
          ppc, tail, cachedConsumerPosition, claimSize, written, unpub, held,
          cpc, head, batch, hdr, rd,
          pubCount, ackCount, pCrashes, cCrashes>>
vars == <<ring, run, traceIndex, pollLimit, wantClaim>>

\* TLC evaluates a constant-level definition once and keeps its value, but
\* re-evaluates the generated tuple at every use of a CONSTANT bound with
\* `Logs <- TraceLogs`: always go through Log (a 3,000-event trace took 184 s
\* through the constant, 10 s through Log).
Log == Logs

(***************************************************************************)
(* DataportRing's constants that Java does not have.  MAXBATCH: Java has   *)
(* no limit on commitBatched; unpublished records lie in [producerPosition,*)
(* tail), at most CAPACITY one-slot records, so CAPACITY + 1 never blocks. *)
(* LIMIT: Java's poll limit is an argument of each call, the spec's a      *)
(* constant.  It only guards consumer-local choices (ReadRecordHeader and  *)
(* PublishConsumerPosition), and SANY does not let a constant parameter be *)
(* instantiated by a variable, so there is one instance per limit the test *)
(* uses: 1-4, and UNBOUNDED for any limit above CAPACITY (a batch never    *)
(* holds more than CAPACITY records, so all such limits behave alike).     *)
(***************************************************************************)
UNBOUNDED == CAPACITY + 1

R1 == INSTANCE DataportRing WITH LIMIT <- 1, MAXBATCH <- CAPACITY + 1, PREFIX <- 0
R2 == INSTANCE DataportRing WITH LIMIT <- 2, MAXBATCH <- CAPACITY + 1, PREFIX <- 0
R3 == INSTANCE DataportRing WITH LIMIT <- 3, MAXBATCH <- CAPACITY + 1, PREFIX <- 0
R4 == INSTANCE DataportRing WITH LIMIT <- 4, MAXBATCH <- CAPACITY + 1, PREFIX <- 0
R  == INSTANCE DataportRing WITH LIMIT <- UNBOUNDED, MAXBATCH <- CAPACITY + 1, PREFIX <- 0

Limits     == {1, 2, 3, 4, UNBOUNDED}
LimitOf(n) == IF n > CAPACITY THEN UNBOUNDED ELSE n

ReadRecordHeaderL ==
    CASE pollLimit = 1 -> R1!ReadRecordHeader
      [] pollLimit = 2 -> R2!ReadRecordHeader
      [] pollLimit = 3 -> R3!ReadRecordHeader
      [] pollLimit = 4 -> R4!ReadRecordHeader
      [] OTHER         -> R!ReadRecordHeader

PublishConsumerPositionL ==
    CASE pollLimit = 1 -> R1!PublishConsumerPosition
      [] pollLimit = 2 -> R2!PublishConsumerPosition
      [] pollLimit = 3 -> R3!PublishConsumerPosition
      [] pollLimit = 4 -> R4!PublishConsumerPosition
      [] OTHER         -> R!PublishConsumerPosition

Idx(p)   == R!Idx(p)
ToEnd(p) == R!ToEnd(p)
Add(p, n) == R!Add(p, n)

-----------------------------------------------------------------------------
(* How an event is consumed.                                               *)

Advance == traceIndex' = traceIndex + 1 /\ UNCHANGED <<run, pollLimit, wantClaim>>

\* The event is the DataportRing step A.
Match(A) == A /\ Advance

\* The event is no step of DataportRing (the spec leaves it out or folds it
\* into a neighbouring step); it is checked against the state and consumed.
Skip == UNCHANGED ring /\ Advance

\* A DataportRing step the log does not show, taken only when the next event
\* needs it (see WritePayload / ReadPayload below); the event stays next.
Hidden(A) == A /\ UNCHANGED <<run, traceIndex, pollLimit, wantClaim>>

\* Accesses of things DataportRing does not model: the header page (open),
\* epoch reads, the wake-up flags and fence (spec/DataportWakeup.tla).
NotModelled == {"ReadMagic", "ReadLayoutVersion", "ReadHeaderLength", "ReadCapacity",
                "ReadMaxRecordLength", "ReadCreationEpoch", "ReadTag",
                "ReadProducerEpoch", "ReadConsumerEpoch",
                "WriteConsumerNeedsWakeup", "ReadConsumerNeedsWakeup",
                "WriteProducerNeedsWakeup", "ReadProducerNeedsWakeup", "Fence"}

-----------------------------------------------------------------------------
(***************************** producer events *****************************)

\* Two DataportRing steps have no Java access of their own:
\* - WriteRecordHeader of a batch's first record: Java holds its header back
\*   (commitBatched writes only the end marker), so the step is taken before
\*   the producer's next event;
\* - TryClaim when the recovery hint is a lap behind (HintFresh): Java checks
\*   room, then moves the hint (PublishProducerPosition), then goes on with
\*   the claim, while the spec moves the hint first and then claims; the
\*   TryClaim event is consumed at once and the spec's step is taken (with
\*   the size Java asked for, wantClaim) before the claim's next event.
HeldCommitDue == ppc = "commit" /\ unpub = 0
ClaimDue(e)   == ppc = "idle" /\ wantClaim > 0 /\ e.a \notin {"PublishProducerPosition", "CrashProducer"}
HiddenClaim   == R!TryClaim(wantClaim) /\ wantClaim' = 0 /\ UNCHANGED <<run, traceIndex, pollLimit>>

\* Payload slots of the open claim are [Idx(tail) + 1, Idx(tail) + claimSize).
\* DataportRing writes them one per step, in order, all before the end
\* marker; Java writes bytes, in any order, and need not write them all
\* (alignment bytes, a payload the application leaves unwritten).  So a write
\* of slots [i, j) must lie inside the claim, and the spec's WritePayload
\* steps are taken up to slot j - 1 when Java first reaches it; the slots
\* Java never writes are written (Hidden) just before the end marker.
ProducerEvent(e) ==
    IF HeldCommitDue THEN Hidden(R!WriteRecordHeader)
    ELSE IF ClaimDue(e) THEN HiddenClaim
    ELSE CASE e.a = "TryClaim" ->
             \/ /\ ppc = "idle" /\ e.n \in SIZES
                /\ IF R!RoomFor(cachedConsumerPosition, e.n) /\ ~R!HintFresh(e.n)
                   THEN /\ wantClaim' = e.n
                        /\ traceIndex' = traceIndex + 1 /\ UNCHANGED <<ring, run, pollLimit>>
                   ELSE Match(R!TryClaim(e.n))
             \* the application retries the claim refused on a full ring: Java's
             \* cached check fails again; the re-read that follows is the next event
             \/ ppc = "full" /\ e.n = claimSize /\ Skip
      [] e.a = "ReadConsumerPosition" ->
             /\ e.v = consumerPosition
             /\ CASE ppc = "full" ->
                         \* a re-read returning the cached value is left out of the spec
                         IF e.v = cachedConsumerPosition THEN Skip
                         \* with room the spec goes back to "idle": Java goes on with the claim
                         ELSE /\ R!RefreshConsumerPosition
                              /\ wantClaim' = IF ppc' = "idle" THEN claimSize ELSE 0
                              /\ traceIndex' = traceIndex + 1 /\ UNCHANGED <<run, pollLimit>>
                  \* the second read of an attach: the step AttachProducer
                  [] ppc = "down" -> Match(R!AttachProducer)
                  [] OTHER -> FALSE
      \* the first read of an attach (folded into AttachProducer, decision 0103)
      [] e.a = "ReadProducerPosition" ->
             ppc = "down" /\ e.v = producerPosition /\ Skip
      \* the fenced attach moves the epoch first, before its reads (decision 0901)
      [] e.a = "AdvanceProducerEpoch" -> ppc = "down" /\ Skip
      [] e.a = "PublishProducerPosition" ->
             e.v = R!Frontier /\ Match(R!PublishProducerPosition)
      [] e.a = "WriteEndMarker" ->
             CASE ppc = "padend" ->
                      e.i = Idx(R!ProducerSkip(Add(tail, ToEnd(tail)))) /\ Match(R!WriteEndMarker)
               [] ppc = "claimed" ->
                      IF written < claimSize - 1 THEN Hidden(R!WritePayload) ELSE Hidden(R!FinishPayload)
               [] ppc = "end" ->
                      e.i = Idx(R!ProducerSkip(Add(tail, claimSize))) /\ Match(R!WriteEndMarker)
               [] OTHER -> FALSE
      [] e.a = "WritePadding" ->
             /\ ppc = "pad" /\ e.i = Idx(tail) /\ e.n = ToEnd(tail)
             /\ Match(R!WritePadding)
      [] e.a = "WritePayload" ->
             IF e.i = e.j THEN ppc = "claimed" /\ Skip   \* zero bytes: no memory touched
             ELSE /\ ppc = "claimed"
                  /\ Idx(tail) + 1 <= e.i /\ e.i < e.j /\ e.j <= Idx(tail) + claimSize
                  /\ IF Idx(tail) + 1 + written < e.j THEN Hidden(R!WritePayload) ELSE Skip
      \* a header CAS: a later record of a batch (commitBatched), or the held
      \* first one (Publish)
      [] e.a = "WriteRecordHeader" ->
             CASE ppc = "commit" /\ unpub > 0 ->
                      e.i = Idx(tail) /\ e.n = claimSize /\ Match(R!WriteRecordHeader)
               [] ppc \in {"idle", "full"} /\ unpub > 0 ->
                      e.i = Idx(held.pos) /\ e.n = held.size /\ Match(R!Publish)
               [] OTHER -> FALSE
      [] e.a = "ScanForEnd" ->
             /\ ppc = "scan" /\ e.i = Idx(R!ProducerSkip(tail))
             /\ buf[e.i].k = e.k /\ buf[e.i].size = e.n   \* Java read what the spec's slot holds
             /\ Match(R!ScanForEnd)
      [] e.a = "Abort"         -> Match(R!Abort)
      \* a crash drops the claim Java began (wantClaim) with the rest
      [] e.a = "CrashProducer" ->
             R!CrashProducer /\ wantClaim' = 0 /\ traceIndex' = traceIndex + 1 /\ UNCHANGED <<run, pollLimit>>
      \* what the API call returned: a claim (open), null (full) or done (idle)
      [] e.a = "ProducerIs"    -> ppc = e.st /\ Skip
      [] e.a \in NotModelled   -> Skip
      [] OTHER -> FALSE

-----------------------------------------------------------------------------
(***************************** consumer events *****************************)

\* The handler reads the payload of the current record in place, the slots
\* [Idx(head) + 1, Idx(head) + hdr.size).  DataportRing reads them one per
\* step, in order, and its last read delivers the record; Java's handler
\* reads bytes, in any order, any number of times, or not at all.  So a read
\* of slots [i, j) must lie inside the record, and the spec's ReadPayload
\* steps are taken up to slot j - 1 when Java first reaches it, except the
\* record's last slot; the rest (Hidden) when the handler has returned, i.e.
\* before the consumer's next header read or publish.
FinishRecord == cpc = "payload" /\ Hidden(R!ReadPayload)

ConsumerEvent(e) ==
    CASE e.a = "Poll" ->
             /\ cpc = "poll" /\ ~R!BatchPending /\ LimitOf(e.n) \in Limits
             /\ pollLimit' = LimitOf(e.n)
             /\ traceIndex' = traceIndex + 1 /\ UNCHANGED <<ring, run, wantClaim>>
      \* the first read of an attach; its fence (a CAS keeping the position) is
      \* the attach's last access: the step AttachConsumer
      [] e.a = "ReadConsumerPosition" ->
             cpc = "down" /\ e.v = consumerPosition /\ Skip
      [] e.a = "AttachConsumer" ->
             cpc = "down" /\ e.v = consumerPosition /\ Match(R!AttachConsumer)
      [] e.a = "AdvanceConsumerEpoch" -> cpc = "down" /\ Skip
      [] e.a = "ReadRecordHeader" ->
             IF cpc = "payload" THEN FinishRecord
             ELSE /\ e.i = Idx(R!ConsumerSkip(head))
                  /\ buf[e.i].k = e.k /\ buf[e.i].size = e.n   \* Java read what the spec's slot holds
                  \* the end marker with nothing done: a poll that returns 0, no step
                  /\ IF e.k = "E" /\ ~R!BatchPending THEN Skip ELSE Match(ReadRecordHeaderL)
      [] e.a = "ReadPayload" ->
             IF e.i = e.j THEN Skip                          \* zero bytes: no memory touched
             ELSE /\ cpc = "payload"
                  /\ Idx(head) + 1 <= e.i /\ e.i < e.j /\ e.j <= Idx(head) + hdr.size
                  /\ IF rd < e.j - (Idx(head) + 1) /\ rd < hdr.size - 2
                     THEN Hidden(R!ReadPayload) ELSE Skip
      [] e.a = "PublishConsumerPosition" ->
             IF cpc = "payload" THEN FinishRecord
             ELSE e.v = head /\ Match(PublishConsumerPositionL)
      \* poll returned: the batch, if any, was published
      [] e.a = "PollReturned" -> cpc = "poll" /\ ~R!BatchPending /\ Skip
      [] e.a = "CrashConsumer" -> Match(R!CrashConsumer)
      [] e.a \in NotModelled   -> Skip
      [] OTHER -> FALSE

-----------------------------------------------------------------------------
TraceInit ==
    /\ R!Init                 \* both ends attached, both positions at the run's start
    /\ run \in 1..Len(Log)
    /\ traceIndex = 1
    /\ pollLimit = UNBOUNDED
    /\ wantClaim = 0

TraceNext ==
    /\ traceIndex <= Len(Log[run])
    /\ LET e == Log[run][traceIndex] IN
       IF e.by = "producer" THEN ProducerEvent(e) ELSE ConsumerEvent(e)
    \* no Java end was poisoned (it would have thrown): no validation may fire,
    \* and no end read bytes that nobody wrote for that slot (NeverFooled)
    /\ ppc' \notin {"poisoned", "fooled"} /\ cpc' \notin {"poisoned", "fooled"}

TraceSpec == TraceInit /\ [][TraceNext]_vars

\* The log is a behaviour of DataportRing as far as it goes: every event so
\* far was matched and the next one can be.  Violated exactly in the state
\* where Logs[run][traceIndex] is the first event that cannot be matched.
TraceAccepted == traceIndex > Len(Log[run]) \/ ENABLED TraceNext

\* DataportRing's invariants, along the trace (NeverPoisoned is in TraceNext;
\* Refinement is not checked here: TLC would enumerate BoundedFifo's Enqueue
\* over [1..n -> SIZES] for up to CAPACITY + 1 records per publish).
RingInvariants ==
    /\ R!TypeOK
    /\ R!PositionsInBounds
    /\ R!NoOverwriteUnread
    /\ R!ConsumerReadsCommitted
    /\ R!DeliveredInOrder
    /\ R!AbsFifo
=============================================================================
