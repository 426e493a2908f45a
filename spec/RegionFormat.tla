------------------------------ MODULE RegionFormat ------------------------------
(***************************************************************************)
(* Formatting the directory of a shared region exactly once, when every    *)
(* peer may start at the same moment, crash or pause halfway, and the      *)
(* region may be fresh (zero) or hold an earlier run's directory           *)
(* (docs/decisions/0903).  The region's first word is the FORMAT WORD:     *)
(*   empty                 zero: a fresh region;                           *)
(*   formatting(gen, who)  `who` claimed the right to write generation gen;*)
(*   ready(gen, sum)       the directory of generation gen is complete;    *)
(*                         sum is a checksum of its fields.                *)
(* A peer that finds `empty` claims it by CAS and writes the fields, then  *)
(* CASes formatting(gen, me) -> ready(gen, sum of what it wrote).  A peer  *)
(* that finds `formatting` for too long (the formatter crashed or paused:  *)
(* when is LeaseExpiry.tla's subject; here: at any time) takes the format  *)
(* over by CAS to formatting(gen + 1, me) and writes everything again.  A  *)
(* peer that finds `ready` reads the fields and accepts them only if they  *)
(* match the sum and its own geometry; `ready` is never rewritten (a       *)
(* region of another geometry is refused, not reformatted).  A paused      *)
(* formatter's late field stores can only break the checksum: the         *)
(* directory is then refused, never misread.                               *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS
    Procs,      \* peers that attach to the region
    Want,       \* Procs -> the geometry each one asks for
    NF,         \* number of directory fields
    MAXGEN      \* bound on format generations

Geometries == {Want[p] : p \in Procs}

\* For the models: one peer (any) asks for geometry g2, the others for g1.
OneMisfit == LET odd == CHOOSE p \in Procs : TRUE
             IN [p \in Procs |-> IF p = odd THEN "g2" ELSE "g1"]
Junk == "junk"

VARIABLES
    word,       \* the format word
    field,      \* 1..NF -> a geometry value, or Junk
    pc,         \* Procs -> "start" | "write" | "publish" | "check" | "attached" | "refused" | "down"
    gen,        \* Procs -> the generation it is formatting or checking
    nw,         \* Procs -> fields written (formatting) or read (checking) so far
    got,        \* Procs -> the fields read so far (checking)
    att,        \* Procs -> [gen, geo] it attached to
    readies     \* ghost: how many times the word was set to ready

vars == <<word, field, pc, gen, nw, got, att, readies>>

Empty          == [st |-> "empty", gen |-> 0, who |-> "none", sum |-> <<>>]
Formatting(g, p) == [st |-> "formatting", gen |-> g, who |-> p, sum |-> <<>>]
Ready(g, s)    == [st |-> "ready", gen |-> g, who |-> "none", sum |-> s]
SumOf(geo)     == [i \in 1..NF |-> geo]     \* the checksum of a directory (exact here)

\* A fresh region, or one that holds an earlier run's complete directory.
Init ==
    /\ \/ word = Empty /\ field = [i \in 1..NF |-> Junk]
       \/ \E g \in Geometries : word = Ready(1, SumOf(g)) /\ field = SumOf(g)
    /\ pc = [p \in Procs |-> "start"]
    /\ gen = [p \in Procs |-> 0]
    /\ nw = [p \in Procs |-> 0]
    /\ got = [p \in Procs |-> <<>>]
    /\ att = [p \in Procs |-> [gen |-> 0, geo |-> Junk]]
    /\ readies = IF word = Empty THEN 0 ELSE 1

\* RegionDirectory.attach: read the format word once and act on it.
ReadFormatWord(p) ==
    /\ pc[p] = "start"
    /\ CASE word.st = "empty" ->          \* CAS empty -> formatting(1, me)
                /\ word' = Formatting(1, p)
                /\ pc' = [pc EXCEPT ![p] = "write"] /\ gen' = [gen EXCEPT ![p] = 1]
                /\ nw' = [nw EXCEPT ![p] = 0]
         [] word.st = "ready" ->
                /\ pc' = [pc EXCEPT ![p] = "check"] /\ gen' = [gen EXCEPT ![p] = word.gen]
                /\ nw' = [nw EXCEPT ![p] = 0] /\ UNCHANGED word
         [] word.st = "formatting" -> UNCHANGED <<word, pc, gen, nw>>   \* wait (or take over)
    /\ got' = [got EXCEPT ![p] = <<>>]
    /\ UNCHANGED <<field, att, readies>>

\* The formatter stalled: CAS formatting(g, x) -> formatting(g + 1, me).
TakeOverFormat(p) ==
    /\ pc[p] = "start"
    /\ word.st = "formatting" /\ word.who # p /\ word.gen < MAXGEN
    /\ word' = Formatting(word.gen + 1, p)
    /\ pc' = [pc EXCEPT ![p] = "write"] /\ gen' = [gen EXCEPT ![p] = word.gen + 1]
    /\ nw' = [nw EXCEPT ![p] = 0]
    /\ UNCHANGED <<field, got, att, readies>>

\* One directory field, a plain store (a late store when the writer was overtaken).
WriteField(p) ==
    /\ pc[p] = "write"
    /\ field' = [field EXCEPT ![nw[p] + 1] = Want[p]]
    /\ nw' = [nw EXCEPT ![p] = nw[p] + 1]
    /\ pc' = [pc EXCEPT ![p] = IF nw[p] + 1 = NF THEN "publish" ELSE "write"]
    /\ UNCHANGED <<word, gen, got, att, readies>>

\* CAS formatting(gen, me) -> ready(gen, sum of what I wrote); a failed CAS
\* means I was overtaken: start again (and read what the winner wrote).
PublishWith(p, Owns(_)) ==
    /\ pc[p] = "publish"
    /\ IF Owns(p)
       THEN /\ word' = Ready(gen[p], SumOf(Want[p]))
            /\ readies' = readies + 1
       ELSE UNCHANGED <<word, readies>>
    /\ pc' = [pc EXCEPT ![p] = "start"]
    /\ UNCHANGED <<field, gen, nw, got, att>>

OwnsFormat(p) == word = Formatting(gen[p], p)
Publish(p) == PublishWith(p, OwnsFormat)

\* Read the fields one by one (a late store may land in between), then the
\* format word again: accept only an unchanged ready word whose sum matches
\* the fields read and whose geometry is ours.
ReadField(p) ==
    /\ pc[p] = "check" /\ nw[p] < NF
    /\ got' = [got EXCEPT ![p] = Append(got[p], field[nw[p] + 1])]
    /\ nw' = [nw EXCEPT ![p] = nw[p] + 1]
    /\ UNCHANGED <<word, field, pc, gen, att, readies>>

ValidateWith(p, Accept(_)) ==
    /\ pc[p] = "check" /\ nw[p] = NF
    /\ IF word.st = "ready" /\ word.gen = gen[p] /\ Accept(p)
       THEN /\ pc' = [pc EXCEPT ![p] = "attached"]
            /\ att' = [att EXCEPT ![p] = [gen |-> gen[p], geo |-> got[p][1]]]
       ELSE /\ pc' = [pc EXCEPT ![p] = "refused"] /\ UNCHANGED att
    /\ UNCHANGED <<word, field, gen, nw, got, readies>>

Matches(p) == got[p] = word.sum /\ got[p] = SumOf(Want[p])
Validate(p) == ValidateWith(p, Matches)

\* A peer crashes at any step, and may start again.
Crash(p) == /\ pc[p] \notin {"down"} /\ pc' = [pc EXCEPT ![p] = "down"]
            /\ att' = [att EXCEPT ![p] = [gen |-> 0, geo |-> Junk]]
            /\ UNCHANGED <<word, field, gen, nw, got, readies>>
Restart(p) == /\ pc[p] \in {"down", "refused"} /\ pc' = [pc EXCEPT ![p] = "start"]
              /\ UNCHANGED <<word, field, gen, nw, got, att, readies>>

Step(p) == ReadFormatWord(p) \/ TakeOverFormat(p) \/ WriteField(p) \/ ReadField(p)
           \/ Crash(p) \/ Restart(p)
Next == \E p \in Procs : Step(p) \/ Publish(p) \/ Validate(p)
Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
\* The format word becomes ready at most once (counting an earlier run's).
AtMostOneFormat == readies <= 1

\* Everyone attached sees the same directory, the one the ready word describes,
\* and it is the geometry it asked for.
Agreement ==
    \A p, q \in Procs : pc[p] = "attached" /\ pc[q] = "attached" => att[p] = att[q]
AttachedIsValid ==
    \A p \in Procs : pc[p] = "attached" =>
        /\ word.st = "ready" /\ att[p].gen = word.gen
        /\ SumOf(att[p].geo) = word.sum /\ att[p].geo = Want[p]
===============================================================================
