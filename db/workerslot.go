package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// maxWorkerSlots bounds the worker slots of one database: how many
// processes can deliver from it at once with an identity that survives a
// restart.
const maxWorkerSlots = 64

// slotLockKey is the first half of a slot's PostgreSQL advisory lock key
// (the second is the slot number): per schema, so that hubs in two schemas
// of one database do not share slots.
const slotLockKey = `hashtext('hub worker slot ' || current_schema())`

// WorkerSlot is the identity under which a delivery worker leases
// deliveries (Delivery.LockedBy), held by one live process at a time. Slot
// N is held by a session-level advisory lock on PostgreSQL and by an
// exclusive lock (flock) on the file DATABASE-worker-N.lock beside the
// database on SQLite. The database server or the kernel ends the hold as
// soon as the process dies, even by SIGKILL, so a slot that can be taken
// belongs to no live process: the leases its earlier holders left are
// released at once instead of when they run out.
type WorkerSlot struct {
	// Name is what the worker leases deliveries as, "slot-N/HOST-PID-RANDOM"
	// ("worker/…" where slots are not supported). The part after the
	// slash is new in every process, so that a process that lost its
	// slot without noticing (its lock session ended under it) can record
	// nothing for leases that another process has taken since.
	Name string

	n    int      // 0: no slot, leases are left to run out
	conn bun.Conn // PostgreSQL: the session that holds the lock
	file *os.File // SQLite: the locked file
}

// workerSuffix makes the per-process part of a worker name.
func workerSuffix() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// slotPrefix is how the names of slot n's holders begin.
func slotPrefix(n int) string { return "slot-" + strconv.Itoa(n) + "/" }

// TakeWorkerSlot takes the lowest free worker slot and releases the leases
// its earlier holders left. A process takes one when its worker starts and
// releases it when the worker stops. When every slot is taken, or the
// platform cannot lock files, the slot has no number: its leases are not
// taken back after a crash, they run out.
func (s *Store) TakeWorkerSlot(ctx context.Context) (*WorkerSlot, error) {
	const op = "db: take worker slot"
	w := &WorkerSlot{Name: "worker/" + workerSuffix()}
	switch s.dialect {
	case Postgres:
		conn, err := s.writer.Conn(ctx)
		if err != nil {
			return nil, wrap(op, err)
		}
		for n := 1; n <= maxWorkerSlots; n++ {
			var got bool
			if err := conn.NewRaw("SELECT pg_try_advisory_lock("+slotLockKey+", ?)", n).Scan(ctx, &got); err != nil {
				conn.Close()
				return nil, wrap(op, err)
			}
			if got {
				w.n, w.conn = n, conn
				break
			}
		}
		if w.n == 0 {
			conn.Close()
		}
	case SQLite:
		for n := 1; n <= maxWorkerSlots; n++ {
			f, err := lockFile(s.slotFile(n))
			if errors.Is(err, errLocked) {
				continue
			}
			if errors.Is(err, errors.ErrUnsupported) {
				break
			}
			if err != nil {
				return nil, wrap(op, err)
			}
			w.n, w.file = n, f
			break
		}
	}
	if w.n == 0 {
		return w, nil
	}
	w.Name = slotPrefix(w.n) + workerSuffix()
	if _, err := s.releaseSlotLeases(ctx, w.n); err != nil {
		w.Release()
		return nil, wrap(op, err)
	}
	return w, nil
}

// slotFile is the file whose lock holds SQLite slot n.
func (s *Store) slotFile(n int) string { return s.path + "-worker-" + strconv.Itoa(n) + ".lock" }

// releaseSlotLeases releases the leases held under slot n by any process.
// The caller must hold the slot.
func (s *Store) releaseSlotLeases(ctx context.Context, n int) (int, error) {
	res, err := s.w.NewUpdate().Model((*Delivery)(nil)).Set("locked_until = NULL").
		Where("state = ?", DeliveryPending).Where("locked_until IS NOT NULL").
		Where("locked_by LIKE ?", slotPrefix(n)+"%").Exec(ctx)
	if err != nil {
		return 0, err
	}
	c, _ := res.RowsAffected()
	return int(c), nil
}

// Check reports whether w still holds its slot: an error means it may have
// lost it (on PostgreSQL, the session that held the lock is gone), and the
// worker must stop leasing under its name.
func (w *WorkerSlot) Check(ctx context.Context) error {
	if w.conn.Conn == nil {
		return nil
	}
	if _, err := w.conn.ExecContext(ctx, "SELECT 1"); err != nil {
		return fmt.Errorf("db: worker slot %d lost: %w", w.n, err)
	}
	return nil
}

// Release gives up the slot.
func (w *WorkerSlot) Release() error {
	switch {
	case w.conn.Conn != nil:
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := w.conn.ExecContext(ctx, "SELECT pg_advisory_unlock("+slotLockKey+", ?)", w.n)
		return errors.Join(err, w.conn.Close())
	case w.file != nil:
		return w.file.Close() // closing the file drops its lock
	}
	return nil
}

// ReclaimLeases releases the unexpired leases held under the slots of
// processes that are gone: every slot named in a lease, other than self's,
// that can be locked now. It returns how many leases it released. A
// worker calls it at start and now and then, so that a slot whose process
// did not come back does not wait for its leases to run out either.
func (s *Store) ReclaimLeases(ctx context.Context, self *WorkerSlot) (int, error) {
	const op = "db: reclaim leases"
	var names []string
	err := s.w.NewSelect().Model((*Delivery)(nil)).ColumnExpr("DISTINCT locked_by").
		Where("state = ?", DeliveryPending).Where("locked_until >= ?", s.utcNow()).
		Where("locked_by LIKE 'slot-%'").Scan(ctx, &names)
	if err != nil {
		return 0, wrap(op, err)
	}
	slots := map[int]bool{}
	for _, name := range names {
		num, _, _ := strings.Cut(strings.TrimPrefix(name, "slot-"), "/")
		if n, err := strconv.Atoi(num); err == nil && n >= 1 && n <= maxWorkerSlots && (self == nil || n != self.n) {
			slots[n] = true
		}
	}
	total := 0
	for n := range slots {
		c, err := s.reclaimSlot(ctx, n)
		if err != nil {
			return total, wrap(op, err)
		}
		total += c
	}
	return total, nil
}

// reclaimSlot releases slot n's leases if it is free, holding it meanwhile.
func (s *Store) reclaimSlot(ctx context.Context, n int) (int, error) {
	switch s.dialect {
	case Postgres:
		released := 0
		err := s.InTx(ctx, func(tx *Store) error {
			var got bool
			if err := tx.w.NewRaw("SELECT pg_try_advisory_xact_lock("+slotLockKey+", ?)", n).Scan(ctx, &got); err != nil || !got {
				return err
			}
			var err error
			released, err = tx.releaseSlotLeases(ctx, n)
			return err
		})
		return released, err
	case SQLite:
		f, err := lockFile(s.slotFile(n))
		if errors.Is(err, errLocked) || errors.Is(err, errors.ErrUnsupported) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		defer f.Close()
		return s.releaseSlotLeases(ctx, n)
	}
	return 0, nil
}
