/**
 * One END_TRANSACTION. The broker finds the half by the offsets, not by the id. Sent two-way it
 * tells what happened; an end that may have reached the broker and gone unanswered is never
 * reported retryable, since a second commit of the same half delivers it twice.
 */
import { BrokerError, type ErrorContext } from '../core/errors.js';
import { RequestCode, ResponseCode } from './codes.js';
import type { RemotingCommand } from './RemotingCommand.js';
import { type RemotingConnection, wasWritten } from './RemotingConnection.js';
import { responseError } from './responseError.js';

export interface EndCallRequest {
  readonly producerGroup: string;
  readonly queueOffset: string;
  readonly commitLogOffset: string;
  /** TransactionType.Commit or .Rollback: unknown is never sent. */
  readonly type: number;
  readonly fromCheck: boolean;
  readonly topic: string;
  readonly brokerName: string | undefined;
  readonly oneway: boolean;
}

export async function sendEndTransaction(
  connection: RemotingConnection,
  context: ErrorContext,
  call: EndCallRequest,
): Promise<void> {
  const ext = {
    producerGroup: call.producerGroup,
    tranStateTableOffset: call.queueOffset,
    commitLogOffset: call.commitLogOffset,
    commitOrRollback: String(call.type),
    fromTransactionCheck: String(call.fromCheck),
    msgId: context.messageId ?? '',
    transactionId: context.transactionId ?? '',
    topic: call.topic,
    ...(call.brokerName ? { bname: call.brokerName } : {}),
  };
  if (call.oneway) {
    if (!connection.oneway(RequestCode.EndTransaction, ext)) {
      throw new BrokerError(
        `The connection to ${connection.address} is gone; the check-back will settle it`,
        {
          context,
        },
      );
    }
    return;
  }
  let response: RemotingCommand;
  try {
    response = await connection.request(RequestCode.EndTransaction, ext);
  } catch (error) {
    if (!wasWritten(error)) throw error;
    // If it was lost after all, the check-back settles the transaction from the store.
    throw new BrokerError(
      `The end call may or may not have reached ${connection.address}; not retried (a repeated commit delivers twice), the check-back settles it`,
      { cause: error, context, retryable: false },
    );
  }
  if (response.code !== ResponseCode.Success) throw responseError(response, 'END_TRANSACTION', context);
}
