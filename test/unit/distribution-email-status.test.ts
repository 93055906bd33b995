import {
  EMAIL_EVENTS,
  type EmailEvent,
  type EmailStatus,
  emailFailureFrom,
  failedRecipients,
  nextEmailStatus,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

const STATUSES: EmailStatus[] = ['NotSent', 'Sent', 'Opened', 'Clicked', 'Failed'];
const _ = undefined;

/** Every current status × event: the new status, or undefined for no change. */
const TABLE: Record<EmailStatus, Record<EmailEvent, EmailStatus | undefined>> = {
  NotSent: {
    Send: 'Sent',
    Delivery: 'Sent',
    DeliveryDelay: 'Sent',
    Open: 'Opened',
    Click: 'Clicked',
    Bounce: 'Failed',
    Complaint: 'Failed',
    Reject: 'Failed',
    RenderingFailure: 'Failed',
  },
  Sent: {
    Send: _,
    Delivery: _,
    DeliveryDelay: _,
    Open: 'Opened',
    Click: 'Clicked',
    Bounce: 'Failed',
    Complaint: 'Failed',
    Reject: 'Failed',
    RenderingFailure: 'Failed',
  },
  Failed: {
    Send: _,
    Delivery: _,
    DeliveryDelay: _,
    Open: 'Opened',
    Click: 'Clicked',
    Bounce: _,
    Complaint: _,
    Reject: _,
    RenderingFailure: _,
  },
  Opened: {
    Send: _,
    Delivery: _,
    DeliveryDelay: _,
    Open: _,
    Click: 'Clicked',
    Bounce: _,
    Complaint: _,
    Reject: _,
    RenderingFailure: _,
  },
  Clicked: {
    Send: _,
    Delivery: _,
    DeliveryDelay: _,
    Open: _,
    Click: _,
    Bounce: _,
    Complaint: _,
    Reject: _,
    RenderingFailure: _,
  },
};

/** Applies events in order, as the email-events consumer does. */
function run(events: readonly EmailEvent[], start: EmailStatus = 'NotSent'): EmailStatus {
  return events.reduce<EmailStatus>((status, event) => nextEmailStatus(status, event) ?? status, start);
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('nextEmailStatus', () => {
  const pairs = STATUSES.flatMap((status) =>
    EMAIL_EVENTS.map((event) => [status, event, TABLE[status][event]] as const),
  );

  it('has a row for every status and a column for every event', () => {
    expect(pairs).toHaveLength(5 * 9);
  });

  it.each(pairs)('%s + %s → %s', (status, event, expected) => {
    expect(nextEmailStatus(status, event)).toBe(expected);
  });

  it('never moves the status down', () => {
    const rank: Record<EmailStatus, number> = { NotSent: 0, Sent: 1, Failed: 2, Opened: 3, Clicked: 4 };
    for (const [status, event] of pairs) {
      const next = nextEmailStatus(status, event);
      if (next !== undefined) expect(rank[next]).toBeGreaterThan(rank[status]);
    }
  });

  it('treats an event delivered twice as a no-op', () => {
    for (const status of STATUSES) {
      for (const event of EMAIL_EVENTS) {
        const once = nextEmailStatus(status, event) ?? status;
        expect(nextEmailStatus(once, event)).toBeUndefined();
      }
    }
  });

  it('ignores Subscription events', () => {
    for (const status of STATUSES) expect(nextEmailStatus(status, 'Subscription')).toBeUndefined();
  });

  describe('out of order', () => {
    it('moves a Click that arrives before its Send straight to Clicked, and keeps it there', () => {
      expect(nextEmailStatus('NotSent', 'Click')).toBe('Clicked');
      expect(run(['Click', 'Send', 'Delivery', 'Open'])).toBe('Clicked');
    });

    it('never lets a late Open lower Clicked', () => {
      expect(run(['Send', 'Delivery', 'Click', 'Open'])).toBe('Clicked');
    });

    it('reaches Clicked whatever the order of Send, Delivery, Open and Click', () => {
      const orders = permutations<EmailEvent>(['Send', 'Delivery', 'Open', 'Click']);
      expect(orders).toHaveLength(24);
      for (const order of orders) expect(run(order)).toBe('Clicked');
    });

    it('reaches Opened whatever the order of Send, Delivery and Open, repeated', () => {
      for (const order of permutations<EmailEvent>(['Send', 'Delivery', 'Open'])) {
        expect(run([...order, ...order])).toBe('Opened');
      }
    });

    it('keeps Failed when a Delivery or Send arrives after the Bounce', () => {
      expect(run(['Bounce', 'Delivery', 'Send'])).toBe('Failed');
      expect(run(['Send', 'Bounce', 'Delivery'])).toBe('Failed');
    });

    it('moves Failed on to Opened and Clicked when the email is read after all', () => {
      expect(run(['Send', 'Bounce', 'Open'])).toBe('Opened');
      expect(run(['Send', 'Complaint', 'Click'])).toBe('Clicked');
    });

    it('keeps Clicked when a Complaint follows the click, and Opened when a Bounce follows the open', () => {
      expect(run(['Send', 'Delivery', 'Click', 'Complaint'])).toBe('Clicked');
      expect(run(['Send', 'Open', 'Bounce'])).toBe('Opened');
    });

    it('fails a message SES rejects or cannot render before it was sent', () => {
      expect(run(['Reject'])).toBe('Failed');
      expect(run(['RenderingFailure', 'Send'])).toBe('Failed');
    });
  });
});

/** Configuration-set events as SES publishes them (the EventBridge `detail`), trimmed to what matters. */
const mail = { messageId: '0100018f-msg', timestamp: '2030-01-01T00:00:00.000Z', tags: {} };

describe('emailFailureFrom', () => {
  it('reads a bounce: type and sub type, recipient and diagnostic code', () => {
    const detail = {
      eventType: 'Bounce',
      mail,
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          {
            emailAddress: 'owner@partner.example',
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ],
        timestamp: '2030-01-01T00:00:01.000Z',
        feedbackId: 'fb-1',
      },
    };
    expect(emailFailureFrom(detail)).toEqual({
      type: 'Bounce/Permanent/General',
      reason: 'Permanent bounce (General): owner@partner.example: smtp; 550 5.1.1 user unknown',
    });
    expect(failedRecipients(detail)).toEqual(['owner@partner.example']);
  });

  it('falls back to the status code, then to the bounce type alone', () => {
    expect(
      emailFailureFrom({
        bounce: {
          bounceType: 'Transient',
          bounceSubType: 'MailboxFull',
          bouncedRecipients: [{ emailAddress: 'a@p.example', status: '4.2.2' }],
        },
      }),
    ).toEqual({
      type: 'Bounce/Transient/MailboxFull',
      reason: 'Transient bounce (MailboxFull): a@p.example: 4.2.2',
    });
    expect(emailFailureFrom({ bounce: {} })).toEqual({
      type: 'Bounce/Undetermined/Undetermined',
      reason: 'Undetermined bounce (Undetermined)',
    });
  });

  it('reads a complaint and its feedback type', () => {
    const detail = {
      eventType: 'Complaint',
      mail,
      complaint: {
        complainedRecipients: [{ emailAddress: 'Owner@Partner.example' }],
        complaintFeedbackType: 'abuse',
        timestamp: '2030-01-01T00:00:02.000Z',
        feedbackId: 'fb-2',
      },
    };
    expect(emailFailureFrom(detail)).toEqual({
      type: 'Complaint/abuse',
      reason: 'Owner@Partner.example marked the email as unwanted (abuse)',
    });
    expect(failedRecipients(detail)).toEqual(['owner@partner.example']);
    expect(emailFailureFrom({ complaint: {} })).toEqual({
      type: 'Complaint',
      reason: 'A recipient marked the email as unwanted',
    });
  });

  it('reads a reject and its reason', () => {
    expect(emailFailureFrom({ eventType: 'Reject', mail, reject: { reason: 'Bad content' } })).toEqual({
      type: 'Reject',
      reason: 'SES refused to send: Bad content',
    });
  });

  it('reads a rendering failure', () => {
    expect(
      emailFailureFrom({
        eventType: 'RenderingFailure',
        mail,
        failure: { errorMessage: 'Attribute name is missing', templateName: 'lead' },
      }),
    ).toEqual({
      type: 'RenderingFailure',
      reason: 'The email could not be rendered: Attribute name is missing',
    });
  });

  it('keeps a very long diagnostic to 1000 characters', () => {
    const failure = emailFailureFrom({
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'a@p.example', diagnosticCode: 'x'.repeat(5000) }],
      },
    });
    expect(failure?.reason).toHaveLength(1000);
    expect(failure?.reason.endsWith('…')).toBe(true);
  });

  it('answers undefined for events that are no failure, and for junk', () => {
    expect(emailFailureFrom({ eventType: 'Delivery', mail, delivery: { recipients: ['a@p.example'] } })).toBe(
      undefined,
    );
    expect(emailFailureFrom({ eventType: 'Open', mail, open: {} })).toBeUndefined();
    expect(emailFailureFrom(null)).toBeUndefined();
    expect(emailFailureFrom('Bounce')).toBeUndefined();
    expect(emailFailureFrom([{ bounce: {} }])).toBeUndefined();
    expect(failedRecipients({ eventType: 'Delivery' })).toEqual([]);
  });
});
