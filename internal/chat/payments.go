package chat

import (
	"context"

	"github.com/gotd/td/tg"
)

// Errors of payments.
var (
	ErrSlugInvalid    = tgerr400("SLUG_INVALID")
	ErrInvoiceInvalid = tgerr400("INVOICE_INVALID")
)

// GetPaymentForm answers payments.getPaymentForm, what a client calls when a
// user presses keyboardButtonBuy (inlineButtonTypeBuy). Payments are not
// implemented, and no message can be an invoice: sendMedia refuses
// inputMediaInvoice (MEDIA_INVALID) and the buttons package refuses a buy
// button on anything but an invoice (BUTTON_TYPE_INVALID). So, with
// Telegram's names, an inputInvoiceMessage is checked for its peer
// (PEER_ID_INVALID, CHANNEL_INVALID, CHANNEL_PRIVATE) and then answered
// MESSAGE_ID_INVALID, what Telegram answers for a message that is not an
// invoice; an invoice link (inputInvoiceSlug) is SLUG_INVALID; every other
// invoice (Stars, gifts, Premium) is INVOICE_INVALID.
func (s *Service) GetPaymentForm(ctx context.Context, sess Session, req *tg.PaymentsGetPaymentFormRequest) (tg.PaymentsPaymentFormClass, error) {
	switch in := req.Invoice.(type) {
	case *tg.InputInvoiceMessage:
		if _, err := s.resolveTarget(ctx, sess.UserID, in.Peer); err != nil {
			return nil, err
		}
		return nil, ErrMessageIDInvalid
	case *tg.InputInvoiceSlug:
		return nil, ErrSlugInvalid
	}
	return nil, ErrInvoiceInvalid
}
