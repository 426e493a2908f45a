--------------------------- MODULE AckOnlyFullBatch ---------------------------
(* MUTANT.  poll publishes the consumer position only when it has delivered  *)
(* `limit` records; when it finds the ring empty it returns without          *)
(* publishing what it delivered so far (it reads the end marker and        *)
(* returns; if (count == limit) publish(head)).                             *)
(* Design question: must poll release its partial batch when the ring runs   *)
(* empty, or can acknowledgements wait for a full batch?                     *)
(* Expected: liveness (the last records of a burst are delivered but never   *)
(* acknowledged while the producer commits nothing more).                    *)
EXTENDS DataportRing

\* The end marker read: the poll returns without publishing; the next poll
\* carries on from head.
MReadRecordHeader ==
    \/ /\ ReadRecordHeader
       /\ cpc' # "publish"
    \/ /\ cpc = "poll" /\ Len(batch) < LIMIT
       /\ buf[Idx(ConsumerSkip(head))].k = "E"
       /\ UNCHANGED <<vars>>

MPublishConsumerPosition ==
    /\ Len(batch) = LIMIT                    \* was: EndOfBatch (limit or end marker)
    /\ PublishConsumerPosition

MConsumerWork == \/ MReadRecordHeader
                 \/ ReadPayload
                 \/ MPublishConsumerPosition

MNext == ProducerWork \/ MConsumerWork \/ Environment
MSpec == Init /\ [][MNext]_vars
         /\ WF_vars(ProducerWork) /\ WF_vars(MConsumerWork)
         /\ WF_vars(AttachProducer) /\ WF_vars(AttachConsumer)
===============================================================================
