package reporting

import (
	"errors"
	"strings"
)

// FieldError is one problem with one field of a Report. Path names the field in the
// JSON form ("content[2].sha256", "account.ips[0].ip"); Problem says what is wrong
// without ever quoting the field's value, so errors are safe to log.
//
// A Warning is advice (deprecated wording in the narrative, say): Validate still
// returns it, and [Blocking] drops it.
type FieldError struct {
	Path    string
	Problem string
	Warning bool
}

// Error returns "reporting: <path>: <problem>", with "warning: " before the problem
// for warnings.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("reporting: ")
	b.WriteString(e.Path)
	b.WriteString(": ")
	if e.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// Problems flattens err (an errors.Join tree, possibly wrapped) into its
// *FieldErrors, in order. Other errors in the tree are skipped.
func Problems(err error) []*FieldError {
	var out []*FieldError
	walkErrors(err, func(e error) {
		if fe, ok := e.(*FieldError); ok {
			out = append(out, fe)
		}
	})
	return out
}

// Blocking returns err without its warnings: nil when every problem in err is a
// *FieldError with Warning set, otherwise an errors.Join of the remaining
// problems (any error that is not a *FieldError counts as blocking).
func Blocking(err error) error {
	var keep []error
	walkErrors(err, func(e error) {
		if fe, ok := e.(*FieldError); ok && fe.Warning {
			return
		}
		keep = append(keep, e)
	})
	return errors.Join(keep...)
}

// walkErrors calls f on every leaf of an errors.Join tree. A leaf is an error that
// does not unwrap to several errors; single-error wrappers around a join are
// looked through, other wrapped errors are passed whole.
func walkErrors(err error, f func(error)) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			walkErrors(e, f)
		}
		return
	}
	if _, ok := err.(*FieldError); !ok {
		if inner := errors.Unwrap(err); inner != nil {
			if _, multi := inner.(interface{ Unwrap() []error }); multi {
				walkErrors(inner, f)
				return
			}
		}
	}
	f(err)
}
