----------------------------- MODULE TornHeaderRead -----------------------------
(* MUTANT (layout version 3).  The consumer reads the header as two 4-byte  *)
(* loads (length, then type) instead of one 8-byte load: between them the   *)
(* producer may replace the end marker by the record's header.              *)
(* Design question: must the header be read once, as one word?             *)
(* Expected: invariant NeverFooled (a half of the end marker and a half of  *)
(* the header make a word that no writer wrote: any length, any type).      *)
EXTENDS DataportRing

VARIABLE firstHalf   \* the cell whose first half the consumer read, or None
None == [k |-> "none", id |-> 0, size |-> 0]
mvars == <<vars, firstHalf>>

ReadLength ==
    /\ cpc = "poll" /\ Len(batch) < LIMIT /\ firstHalf = None
    /\ firstHalf' = buf[Idx(ConsumerSkip(head))]
    /\ UNCHANGED vars

\* the second load: the same cell gives a real header; another cell, a torn one
ReadType ==
    /\ firstHalf # None
    /\ IF firstHalf = buf[Idx(ConsumerSkip(head))]
       THEN ReadRecordHeader
       ELSE /\ cpc' = "fooled"
            /\ UNCHANGED <<shared, prodVars, head, batch, hdr, rd, ghostVars>>
    /\ firstHalf' = None

MNext == \/ (ProducerWork \/ ReadPayload \/ PublishConsumerPosition \/ Abort \/ CrashProducer
             \/ AttachProducer \/ AttachConsumer) /\ UNCHANGED firstHalf
         \/ CrashConsumer /\ firstHalf' = None
         \/ ReadLength \/ ReadType
MSafetySpec == Init /\ firstHalf = None /\ [][MNext]_mvars
===============================================================================
