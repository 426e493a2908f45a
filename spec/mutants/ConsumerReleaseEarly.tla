------------------------- MODULE ConsumerReleaseEarly -------------------------
(* MUTANT.  RingConsumer.poll publishes its position past a record (and so   *)
(* releases its bytes) before the handler has read the payload in place:    *)
(* head += size; publishConsumerPosition(head); handler.onRecord(...).       *)
(* Design question: may the consumer release a record before the zero-copy   *)
(* handler is done with it, to let the producer proceed sooner?             *)
(* Expected: invariant ConsumerReadsCommitted (the producer reuses the       *)
(* released slots and the handler reads the new bytes).                     *)
EXTENDS DataportRing

VARIABLE early   \* the current record was released before the handler read it
mvars == <<vars, early>>

ReleaseBeforeHandler ==
    /\ cpc = "payload" /\ rd = 0 /\ ~early
    /\ head' = Add(head, hdr.size)
    /\ consumerPosition' = Add(head, hdr.size)
    /\ ackCount' = (ackCount + Len(batch) + 1) % IDMOD
    /\ batch' = <<>>
    /\ early' = TRUE
    /\ UNCHANGED <<buf, producerPosition, prodVars, cpc,
                   hdr, rd, pubCount, pCrashes, cCrashes>>

\* The handler reads the released record at its old place (head - size).
ReadPayloadReleased ==
    /\ cpc = "payload" /\ early
    /\ rd < hdr.size - 1
    /\ LET start == Idx(Add(head, POSMOD - hdr.size))
           c     == buf[start + 1 + rd]
           ok    == hdr.ok /\ c.k = "P" /\ c.id = hdr.id
       IN IF ok /\ rd + 1 = hdr.size - 1
          THEN /\ hdr' = NoHdr /\ rd' = 0 /\ cpc' = "poll" /\ early' = FALSE
          ELSE /\ hdr' = [hdr EXCEPT !.ok = ok]
               /\ rd' = IF ok THEN rd + 1 ELSE rd
               /\ UNCHANGED <<cpc, early>>
    /\ UNCHANGED <<shared, prodVars, head, batch, ghostVars>>

MNext == \/ /\ \/ ProducerWork
               \/ ReadRecordHeader
               \/ ~early /\ ReadPayload
               \/ PublishConsumerPosition
               \/ Abort \/ CrashProducer \/ AttachProducer \/ AttachConsumer
            /\ UNCHANGED early
         \/ CrashConsumer /\ early' = FALSE
         \/ ReleaseBeforeHandler
         \/ ReadPayloadReleased

MSafetySpec == Init /\ early = FALSE /\ [][MNext]_mvars
===============================================================================
