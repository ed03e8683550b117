package federation

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/bgimigranti/hub/db"
)

// The posting limit of remote authors in the forum: at most
// maxRemoteForumPosts posts per actor in remoteForumPostWindow, as local
// new members are limited.
const (
	maxRemoteForumPosts   = 10
	remoteForumPostWindow = 10 * time.Minute
)

// errForumRateLimited refuses a forum post from a remote actor over the
// limit (429), so that its server delivers it again later.
var errForumRateLimited = errorf(http.StatusTooManyRequests, "too many forum posts from this actor: try again later", nil)

// checkForumRate returns errForumRateLimited when sender has written
// maxRemoteForumPosts forum posts in the last remoteForumPostWindow. A
// Create already received (delivered again) is never refused: it will
// change nothing.
func (h *Handler) checkForumRate(ctx context.Context, act *activity, sender *db.Actor) error {
	n, err := h.store.CountRemoteForumPostsSince(ctx, sender.ID, h.now().Add(-remoteForumPostWindow))
	if err != nil || n < maxRemoteForumPosts {
		return err
	}
	if _, err := h.store.ActivityByURI(ctx, act.id); err == nil {
		return nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	return errForumRateLimited
}
