--------------------------- MODULE AckOnlyFullBatch ---------------------------
(* MUTANT.  poll publishes the consumer position only when it has delivered  *)
(* `limit` records; when it finds the ring empty it returns without          *)
(* publishing what it delivered so far (head = position; if (count == limit) *)
(* publish(head)).  The next poll carries on from head.                      *)
(* Design question: must poll release its partial batch when the ring runs   *)
(* empty, or can acknowledgements wait for a full batch?                     *)
(* Expected: liveness (the last records of a burst are delivered but never   *)
(* acknowledged while the producer commits nothing more).                    *)
EXTENDS DataportRing

\* Start of a poll: head = cache, whether or not a partial batch is pending.
MRefreshProducerPosition ==
    /\ cpc = "poll"
    /\ head = cachedProducerPosition         \* was: also ~BatchPending
    /\ producerPosition # cachedProducerPosition
    /\ LET p == producerPosition IN
       IF ValidProducerPosition(p)
       THEN cachedProducerPosition' = p /\ UNCHANGED cpc
       ELSE cpc' = "poisoned" /\ UNCHANGED cachedProducerPosition
    /\ UNCHANGED <<shared, prodVars, head, batch, hdr, rd, ghostVars>>

MPublishConsumerPosition ==
    /\ Len(batch) = LIMIT                    \* was: EndOfBatch (limit or caught up)
    /\ PublishConsumerPosition

MConsumerWork == \/ MRefreshProducerPosition
                 \/ ReadRecordHeader
                 \/ ReadPayload
                 \/ MPublishConsumerPosition

MNext == ProducerWork \/ MConsumerWork \/ Environment
MSpec == Init /\ [][MNext]_vars
         /\ WF_vars(ProducerWork) /\ WF_vars(MConsumerWork)
         /\ WF_vars(AttachProducer) /\ WF_vars(AttachConsumer)
===============================================================================
