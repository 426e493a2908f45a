------------------------------ MODULE WakeupMesh ------------------------------
(***************************************************************************)
(* The wake-up protocol of a mesh node, both ways and across kernels:       *)
(* NR rings, each with its own producer; ONE consumer thread serves all of  *)
(* them (a node's receive loop) and sleeps for records on all at once; a    *)
(* producer whose ring is full sleeps for room and is woken by the          *)
(* consumer.  Two notifiers: KICK (a doorbell: Unix socket on one host, an  *)
(* event device between VMs) and POLL (no kick at all: the sleeper wakes by *)
(* itself after a bounded back-off; it needs nothing but the shared memory).*)
(*                                                                         *)
(* Memory is x86-TSO, as in DataportWakeup.tla: a FIFO store buffer per     *)
(* process, drained at any time; a fence waits for an empty buffer.  Every  *)
(* side follows one protocol (one home in the Java code, issue 15):         *)
(*   sleeper: SetNeedsWakeup on every ring it waits on, Fence, Recheck      *)
(*            every one of them, then Sleep; on waking, clear the flags;   *)
(*   waker:   publish its position, Fence, ReadNeedsWakeup, Kick if set.   *)
(* Sleep numbers are left out (DataportWakeup.tla checks them): a flag is   *)
(* 0 or 1 and a kick is sent whenever the flag is seen set.                 *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    NR,         \* rings (producers)
    N,          \* records each producer publishes
    CAP,        \* records a ring holds
    NOTIFIER    \* "kick" or "poll"

ASSUME NR \in Nat \ {0} /\ N \in Nat \ {0} /\ CAP \in Nat \ {0} /\ NOTIFIER \in {"kick", "poll"}

Rings == 1..NR
C     == 0                         \* the consumer thread's process id
Procs == {C} \cup Rings            \* the consumer thread, and producer r

VARIABLES
    mem,        \* [<<"pos", r>> |-> published, <<"cons", r>> |-> consumed, <<"cflag", r>>, <<"pflag", r>>]
    sb,         \* process -> its store buffer: a sequence of [var, val]
    ppc,        \* ring -> "claim" | "publish" | "fence" | "readflag" | "announce" | "pfence" | "recheck" | "sleep" | "clear" | "done"
    produced,   \* ring -> records published by its producer
    cachedCons, \* ring -> the producer's last read of the consumer position
    cpc,        \* "poll" | "announce" | "fence" | "recheck" | "sleep" | "clear" | "wake" | "fence2" | "readflags"
    consumed,   \* ring -> records consumed
    announced,  \* rings whose flag the consumer set so far in this sleep
    checked,    \* rings rechecked so far in this sleep
    found,      \* the recheck found work
    freed,      \* rings the consumer freed room in since it last checked their producers' flags
    kicksFor,   \* rings whose producers the consumer still has to check/kick
    bellC,      \* the consumer's notifier holds an unread kick
    bellP       \* ring -> producer r's notifier holds an unread kick

vars == <<mem, sb, ppc, produced, cachedCons, cpc, consumed, announced, checked, found, freed,
          kicksFor, bellC, bellP>>

W(kind, r) == <<kind, r>>
Load(p, v) ==
    LET s == sb[p]
        hits == {i \in 1..Len(s) : s[i].var = v}
    IN IF hits = {} THEN mem[v] ELSE s[CHOOSE i \in hits : \A j \in hits : j <= i].val
Store(p, v, x) == [sb EXCEPT ![p] = Append(@, [var |-> v, val |-> x])]

Init ==
    /\ mem = [v \in ({"pos", "cons", "cflag", "pflag"} \X Rings) |-> 0]
    /\ sb = [p \in Procs |-> <<>>]
    /\ ppc = [r \in Rings |-> "claim"]
    /\ produced = [r \in Rings |-> 0]
    /\ cachedCons = [r \in Rings |-> 0]
    /\ cpc = "poll"
    /\ consumed = [r \in Rings |-> 0]
    /\ announced = {} /\ checked = {} /\ found = FALSE
    /\ freed = {} /\ kicksFor = {}
    /\ bellC = FALSE
    /\ bellP = [r \in Rings |-> FALSE]

Drain(p) ==
    /\ sb[p] # <<>>
    /\ mem' = [mem EXCEPT ![Head(sb[p]).var] = Head(sb[p]).val]
    /\ sb' = [sb EXCEPT ![p] = Tail(@)]
    /\ UNCHANGED <<ppc, produced, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

-----------------------------------------------------------------------------
(******************* producer r: waker for records, sleeper for room ********)

\* tryClaim: room by the cached consumer position, else re-read it (acquire);
\* still full: go to sleep for room (the blocking claim).
Claim(r) ==
    /\ ppc[r] = "claim" /\ produced[r] < N
    /\ LET c == Load(r, W("cons", r)) IN
       /\ cachedCons' = [cachedCons EXCEPT ![r] = c]
       /\ ppc' = [ppc EXCEPT ![r] = IF produced[r] - c < CAP THEN "publish" ELSE "announce"]
    /\ UNCHANGED <<mem, sb, produced, cpc, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

PublishPosition(r) ==
    /\ ppc[r] = "publish"
    /\ produced' = [produced EXCEPT ![r] = @ + 1]
    /\ sb' = Store(r, W("pos", r), produced[r] + 1)
    /\ ppc' = [ppc EXCEPT ![r] = "fence"]
    /\ UNCHANGED <<mem, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

FenceP(r) ==
    /\ ppc[r] = "fence" /\ sb[r] = <<>>
    /\ ppc' = [ppc EXCEPT ![r] = "readflag"]
    /\ UNCHANGED <<mem, sb, produced, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

\* ReadNeedsWakeup + Kick (one step: the kick only depends on the value read).
ReadNeedsWakeupP(r) ==
    /\ ppc[r] = "readflag"
    /\ IF NOTIFIER = "kick" /\ Load(r, W("cflag", r)) = 1 THEN bellC' = TRUE ELSE UNCHANGED bellC
    /\ ppc' = [ppc EXCEPT ![r] = IF produced[r] = N THEN "done" ELSE "claim"]
    /\ UNCHANGED <<mem, sb, produced, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellP>>

\* The producer sleeps for room: SetNeedsWakeup, Fence, Recheck (the consumer position).
AnnounceP(r) ==
    /\ ppc[r] = "announce"
    /\ sb' = Store(r, W("pflag", r), 1)
    /\ ppc' = [ppc EXCEPT ![r] = "pfence"]
    /\ UNCHANGED <<mem, produced, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

FenceSleepP(r) ==
    /\ ppc[r] = "pfence" /\ sb[r] = <<>>
    /\ ppc' = [ppc EXCEPT ![r] = "recheck"]
    /\ UNCHANGED <<mem, sb, produced, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

RecheckP(r) ==
    /\ ppc[r] = "recheck"
    /\ ppc' = [ppc EXCEPT ![r] = IF produced[r] - Load(r, W("cons", r)) < CAP THEN "clear" ELSE "sleep"]
    /\ UNCHANGED <<mem, sb, produced, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

\* Sleep until kicked (KICK), or until the back-off ends by itself (POLL).
SleepP(r) ==
    /\ ppc[r] = "sleep"
    /\ IF NOTIFIER = "kick" THEN bellP[r] ELSE TRUE
    /\ bellP' = [bellP EXCEPT ![r] = FALSE]
    /\ ppc' = [ppc EXCEPT ![r] = "clear"]
    /\ UNCHANGED <<mem, sb, produced, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellC>>

ClearP(r) ==
    /\ ppc[r] = "clear"
    /\ sb' = Store(r, W("pflag", r), 0)
    /\ ppc' = [ppc EXCEPT ![r] = "claim"]
    /\ UNCHANGED <<mem, produced, cachedCons, cpc, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

-----------------------------------------------------------------------------
(************ the consumer thread: sleeper for records, waker for room *******)

\* One poll round over every ring (a batch per ring): takes what is published.
PollRing(r) ==
    /\ cpc = "poll"
    /\ Load(C, W("pos", r)) > consumed[r]
    /\ consumed' = [consumed EXCEPT ![r] = Load(C, W("pos", r))]
    /\ sb' = Store(C, W("cons", r), Load(C, W("pos", r)))     \* PublishConsumerPosition
    /\ freed' = freed \cup {r}
    /\ UNCHANGED <<mem, ppc, produced, cachedCons, cpc, announced, checked, found, kicksFor, bellC, bellP>>

\* After publishing its positions, the consumer wakes the producers waiting for
\* room: Fence, then ReadNeedsWakeup on each ring it freed, Kick if set.
WakeProducers ==
    /\ cpc = "poll" /\ freed # {}
    /\ cpc' = "fence2" /\ kicksFor' = freed /\ freed' = {}
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, consumed, announced, checked, found, bellC, bellP>>

FenceC2 ==
    /\ cpc = "fence2" /\ sb[C] = <<>>
    /\ cpc' = "readflags"
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

ReadNeedsWakeupC(r) ==
    /\ cpc = "readflags" /\ r \in kicksFor
    /\ IF NOTIFIER = "kick" /\ Load(C, W("pflag", r)) = 1
       THEN bellP' = [bellP EXCEPT ![r] = TRUE] ELSE UNCHANGED bellP
    /\ kicksFor' = kicksFor \ {r}
    /\ cpc' = IF kicksFor = {r} THEN "poll" ELSE "readflags"
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, consumed, announced, checked, found, freed, bellC>>

\* Nothing published on any ring (and no producer left to wake): go to sleep.
StartSleep ==
    /\ cpc = "poll" /\ freed = {}
    /\ \A r \in Rings : Load(C, W("pos", r)) = consumed[r]
    /\ \E r \in Rings : consumed[r] < N
    /\ cpc' = "announce" /\ announced' = {} /\ checked' = {} /\ found' = FALSE
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, consumed, freed, kicksFor, bellC, bellP>>

SetNeedsWakeupWith(Rs) ==
    /\ cpc = "announce"
    /\ \E r \in Rs \ announced :
         /\ sb' = Store(C, W("cflag", r), 1)
         /\ announced' = announced \cup {r}
    /\ UNCHANGED <<mem, ppc, produced, cachedCons, cpc, consumed, checked, found, freed, kicksFor, bellC, bellP>>

AnnouncedAll == cpc = "announce" /\ announced = Rings

FenceC ==
    /\ AnnouncedAll
    /\ sb[C] = <<>>
    /\ cpc' = "recheck"
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

RecheckWith(Rs) ==
    /\ cpc = "recheck"
    /\ \E r \in Rs \ checked :
         /\ checked' = checked \cup {r}
         /\ found' = (found \/ Load(C, W("pos", r)) > consumed[r])
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, cpc, consumed, announced, freed, kicksFor, bellC, bellP>>

RecheckedWith(Rs) ==
    /\ cpc = "recheck" /\ Rs \subseteq checked
    /\ cpc' = IF found THEN "clear" ELSE "sleep"
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, consumed, announced, checked, found, freed, kicksFor, bellC, bellP>>

SleepC ==
    /\ cpc = "sleep"
    /\ IF NOTIFIER = "kick" THEN bellC ELSE TRUE
    /\ bellC' = FALSE
    /\ cpc' = "clear"
    /\ UNCHANGED <<mem, sb, ppc, produced, cachedCons, consumed, announced, checked, found, freed, kicksFor, bellP>>

\* Clear every flag this sleep set, one store each, then poll again.
ClearC ==
    /\ cpc = "clear"
    /\ IF announced = {}
       THEN cpc' = "poll" /\ UNCHANGED <<sb, announced>>
       ELSE \E r \in announced :
              /\ sb' = Store(C, W("cflag", r), 0)
              /\ announced' = announced \ {r}
              /\ UNCHANGED cpc
    /\ UNCHANGED <<mem, ppc, produced, cachedCons, consumed, checked, found, freed, kicksFor, bellC, bellP>>

-----------------------------------------------------------------------------
Finished == /\ \A r \in Rings : ppc[r] = "done" /\ consumed[r] = N
            /\ \A p \in Procs : sb[p] = <<>>
            /\ cpc = "poll" /\ freed = {}
            /\ UNCHANGED vars

Producers(r) == Claim(r) \/ PublishPosition(r) \/ FenceP(r) \/ ReadNeedsWakeupP(r)
                \/ AnnounceP(r) \/ FenceSleepP(r) \/ RecheckP(r) \/ SleepP(r) \/ ClearP(r)
Consumer == \/ \E r \in Rings : PollRing(r) \/ ReadNeedsWakeupC(r)
            \/ WakeProducers \/ FenceC2 \/ StartSleep \/ SetNeedsWakeupWith(Rings) \/ FenceC
            \/ RecheckWith(Rings) \/ RecheckedWith(Rings) \/ SleepC \/ ClearC
Next == \/ \E p \in Procs : Drain(p)
        \/ \E r \in Rings : Producers(r)
        \/ Consumer
        \/ Finished

Fairness == /\ WF_vars(Drain(C)) /\ \A r \in Rings : WF_vars(Drain(r))
            /\ \A r \in Rings : WF_vars(Producers(r))
            /\ WF_vars(Consumer)

Spec == Init /\ [][Next]_vars /\ Fairness

-----------------------------------------------------------------------------
\* (POLL sends no kick: a sleeper wakes by itself, and AllConsumed is its check.)
\* A lost wake-up, safety face (KICK): the consumer sleeps with no kick coming
\* while a ring holds records whose producer is past its flag check for them.
NoLostWakeupC == NOTIFIER = "kick" =>
    ~(cpc = "sleep" /\ ~bellC
      /\ \E r \in Rings : /\ ppc[r] \in {"claim", "done", "announce", "pfence", "recheck", "sleep", "clear"}
                          /\ sb[r] = <<>> /\ mem[W("pos", r)] > consumed[r])

\* A producer sleeps for room with no kick coming although the consumer freed it
\* and is past its flag check for that ring.
NoLostWakeupP == NOTIFIER = "kick" =>
    ~(\E r \in Rings : /\ ppc[r] = "sleep" /\ ~bellP[r]
                       /\ produced[r] - consumed[r] < CAP
                       /\ cpc \in {"poll", "announce", "recheck", "sleep", "clear"}
                       /\ r \notin freed /\ sb[C] = <<>>)

\* Every record is consumed, and so every blocked producer got room.
AllConsumed == <>(\A r \in Rings : consumed[r] = N)
=============================================================================
