---------------------------- MODULE DataportWakeup ----------------------------
(***************************************************************************)
(* The wake-up protocol of a Dataport ring (docs/layout.md, "Wake-up       *)
(* protocol"; Java: RingEnd.prepareToSleep / RingEnd.wakePeer /            *)
(* WaitStrategy.blocking).  One producer (the waker) and one consumer (the *)
(* sleeper).  The ring itself is abstracted to a count of published        *)
(* records: DataportRing.tla checks the ring; this spec checks that no     *)
(* wake-up is lost.                                                        *)
(*                                                                         *)
(* Memory is modelled as x86-TSO: each process has a FIFO store buffer.    *)
(* A store goes into the buffer; DrainP/DrainC move the oldest buffered    *)
(* store to memory at any time; a load sees the process's own newest       *)
(* buffered store to that word, else memory; Fence is enabled only when    *)
(* the buffer is empty.  So without the fences both loads of the Dekker    *)
(* pattern can see old values, which is the bug this protocol must avoid.  *)
(*                                                                         *)
(* Sleep numbers: the flag holds the number of the sleep (never 0) and the *)
(* waker kicks each number once (RingEnd.kickedSleep).  Numbers here are   *)
(* 1..MAXSLEEP, never reused (Java: 2^32 numbers starting at random).      *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS N,          \* records the producer publishes
          MAXSLEEP    \* sleeps the consumer may take (bounds the state space)

VARIABLES
    mem,        \* shared memory: [pos |-> published records, flag |-> consumer's sleep number or 0]
    sbP, sbC,   \* store buffers: sequences of [var, val]
    ppc, produced, seen, kicked,     \* producer
    cpc, consumed, sleepNo, recheck, \* consumer
    bell        \* the doorbell holds an unread kick

vars == <<mem, sbP, sbC, ppc, produced, seen, kicked, cpc, consumed, sleepNo, recheck, bell>>

\* A load: the newest buffered store of this process to v, else memory.
Load(sb, v) ==
    LET hits == {i \in 1..Len(sb) : sb[i].var = v}
    IN IF hits = {} THEN mem[v]
       ELSE sb[CHOOSE i \in hits : \A j \in hits : j <= i].val

Store(sb, v, x) == Append(sb, [var |-> v, val |-> x])

Init ==
    /\ mem = [pos |-> 0, flag |-> 0]
    /\ sbP = << >> /\ sbC = << >>
    /\ ppc = "publish" /\ produced = 0 /\ seen = 0 /\ kicked = 0
    /\ cpc = "poll" /\ consumed = 0 /\ sleepNo = 0 /\ recheck = 0
    /\ bell = FALSE

-----------------------------------------------------------------------------
(* Store buffers drain to memory in order, at any time. *)
DrainP == /\ sbP # << >>
          /\ mem' = [mem EXCEPT ![Head(sbP).var] = Head(sbP).val]
          /\ sbP' = Tail(sbP)
          /\ UNCHANGED <<sbC, ppc, produced, seen, kicked, cpc, consumed, sleepNo, recheck, bell>>

DrainC == /\ sbC # << >>
          /\ mem' = [mem EXCEPT ![Head(sbC).var] = Head(sbC).val]
          /\ sbC' = Tail(sbC)
          /\ UNCHANGED <<sbP, ppc, produced, seen, kicked, cpc, consumed, sleepNo, recheck, bell>>

-----------------------------------------------------------------------------
(* The waker: RingProducer.publish -> RingEnd.wakePeer. *)
PublishPosition ==
    /\ ppc = "publish" /\ produced < N
    /\ produced' = produced + 1
    /\ sbP' = Store(sbP, "pos", produced + 1)       \* release store
    /\ ppc' = "fence"
    /\ UNCHANGED <<mem, sbC, seen, kicked, cpc, consumed, sleepNo, recheck, bell>>

FenceP ==
    /\ ppc = "fence" /\ sbP = << >>                 \* full fence: the buffer is drained
    /\ ppc' = "readflag"
    /\ UNCHANGED <<mem, sbP, sbC, produced, seen, kicked, cpc, consumed, sleepNo, recheck, bell>>

ReadNeedsWakeup ==
    /\ ppc = "readflag"
    /\ seen' = Load(sbP, "flag")
    /\ ppc' = "kick"
    /\ UNCHANGED <<mem, sbP, sbC, produced, kicked, cpc, consumed, sleepNo, recheck, bell>>

Kick ==
    /\ ppc = "kick"
    /\ IF seen # 0 /\ seen # kicked
          THEN bell' = TRUE /\ kicked' = seen       \* one byte to the doorbell
          ELSE UNCHANGED <<bell, kicked>>           \* a suppressed kick
    /\ ppc' = "publish"
    /\ UNCHANGED <<mem, sbP, sbC, produced, seen, cpc, consumed, sleepNo, recheck>>

-----------------------------------------------------------------------------
(* The sleeper: RingConsumer.take -> WaitStrategy.blocking -> RingEnd.prepareToSleep. *)
Poll ==
    /\ cpc = "poll"
    /\ IF Load(sbC, "pos") > consumed
          THEN consumed' = Load(sbC, "pos") /\ cpc' = "poll"   \* records handled
          ELSE UNCHANGED consumed /\ cpc' = IF sleepNo < MAXSLEEP THEN "announce" ELSE "poll"
    /\ UNCHANGED <<mem, sbP, sbC, ppc, produced, seen, kicked, sleepNo, recheck, bell>>

SetNeedsWakeup ==
    /\ cpc = "announce"
    /\ sleepNo' = sleepNo + 1
    /\ sbC' = Store(sbC, "flag", sleepNo + 1)
    /\ cpc' = "fence"
    /\ UNCHANGED <<mem, sbP, ppc, produced, seen, kicked, consumed, recheck, bell>>

FenceC ==
    /\ cpc = "fence" /\ sbC = << >>
    /\ cpc' = "recheck"
    /\ UNCHANGED <<mem, sbP, sbC, ppc, produced, seen, kicked, consumed, sleepNo, recheck, bell>>

Recheck ==
    /\ cpc = "recheck"
    /\ recheck' = Load(sbC, "pos")
    /\ cpc' = IF Load(sbC, "pos") > consumed THEN "clear" ELSE "sleep"
    /\ UNCHANGED <<mem, sbP, sbC, ppc, produced, seen, kicked, consumed, sleepNo, bell>>

\* Doorbell.await: blocks until a kick is pending, then drains it.
Sleep ==
    /\ cpc = "sleep" /\ bell
    /\ bell' = FALSE
    /\ cpc' = "clear"
    /\ UNCHANGED <<mem, sbP, sbC, ppc, produced, seen, kicked, consumed, sleepNo, recheck>>

FinishSleep ==
    /\ cpc = "clear"
    /\ sbC' = Store(sbC, "flag", 0)
    /\ cpc' = "poll"
    /\ UNCHANGED <<mem, sbP, ppc, produced, seen, kicked, consumed, sleepNo, recheck, bell>>

\* Everything published and consumed: the consumer may sleep for ever, that is not a deadlock.
Finished == produced = N /\ consumed = N /\ sbP = << >> /\ UNCHANGED vars

Next == \/ DrainP \/ DrainC
        \/ PublishPosition \/ FenceP \/ ReadNeedsWakeup \/ Kick
        \/ Poll \/ SetNeedsWakeup \/ FenceC \/ Recheck \/ Sleep \/ FinishSleep
        \/ Finished

Fairness == /\ WF_vars(DrainP) /\ WF_vars(DrainC)
            /\ WF_vars(PublishPosition) /\ WF_vars(FenceP) /\ WF_vars(ReadNeedsWakeup) /\ WF_vars(Kick)
            /\ WF_vars(Poll) /\ WF_vars(SetNeedsWakeup) /\ WF_vars(FenceC) /\ WF_vars(Recheck)
            /\ WF_vars(Sleep) /\ WF_vars(FinishSleep)

Spec == Init /\ [][Next]_vars /\ Fairness

-----------------------------------------------------------------------------
TypeOK == /\ mem.pos \in 0..N /\ mem.flag \in 0..MAXSLEEP
          /\ produced \in 0..N /\ consumed \in 0..N /\ kicked \in 0..MAXSLEEP
          /\ sleepNo \in 0..MAXSLEEP /\ bell \in BOOLEAN

\* The safety face of a lost wake-up: asleep with no kick coming although a record waits
\* and the producer is past its flag check for it.
NoLostWakeup == ~(cpc = "sleep" /\ ~bell /\ produced = N /\ ppc = "publish" /\ sbP = << >>
                  /\ consumed < N)

\* Liveness: every published record is eventually consumed.
AllConsumed == <>(consumed = N)
=============================================================================
