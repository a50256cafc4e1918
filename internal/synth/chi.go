package synth

// CHI numbers: DDMMYY, two serial digits, a sex digit (odd male, even
// female) and a check digit. Numbers are handed out per (birth date, sex)
// from a counter, so no two people share one: the k-th person born on a day
// gets the k-th serial of a fixed pseudo-random order over the 500 serial
// and sex-digit combinations for their sex. Combinations whose mod-11 check
// digit would be 10 are skipped, as the real register does. Once a day's
// mod-11 numbers run out (about 455 per sex per day, reached only by very
// large populations), newer numbers use the mod-10 (Luhn) check, as NHS
// Scotland does, skipping any whose Luhn and mod-11 check digits coincide so
// that a mod-10 number never equals an earlier mod-11 one.

// chiMod11 returns the mod-11 check digit of the first nine digits of d, or
// 10 when no valid check digit exists.
func chiMod11(d *[10]byte) int {
	s := 0
	for i := 0; i < 9; i++ {
		s += int(d[i]) * (10 - i)
	}
	c := 11 - s%11
	if c == 11 {
		c = 0
	}
	return c
}

// chiLuhn returns the mod-10 (Luhn) check digit of the first nine digits of
// d: from the left, digits 1, 3, 5, 7, 9 are doubled.
func chiLuhn(d *[10]byte) int {
	s := 0
	for i := 0; i < 9; i++ {
		v := int(d[i])
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		s += v
	}
	return (10 - s%10) % 10
}

// ValidCHI reports whether s is a 10-digit CHI number whose check digit
// passes mod-11 or mod-10.
func ValidCHI(s string) bool {
	if len(s) != 10 {
		return false
	}
	var d [10]byte
	for i := 0; i < 10; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		d[i] = s[i] - '0'
	}
	return chiMod11(&d) == int(d[9]) || chiLuhn(&d) == int(d[9])
}

// chiAllocator hands out unique CHI numbers. It is used by one goroutine,
// in chunk order, so the numbers do not depend on scheduling.
type chiAllocator struct {
	next map[int32]uint16 // key: days since epoch * 2 + sex; value: next slot
}

func newCHIAllocator() *chiAllocator { return &chiAllocator{next: map[int32]uint16{}} }

// chiSlots is the number of serial/sex-digit combinations per sex per day.
const chiSlots = 500

// assign returns a new CHI for someone born on dob with the given sex.
func (a *chiAllocator) assign(dob date, sex byte) string {
	key := dob.days()*2 + int32(sex)
	var d [10]byte
	d[0], d[1] = byte(dob.d/10), byte(dob.d%10)
	d[2], d[3] = byte(dob.m/10), byte(dob.m%10)
	y := dob.y % 100
	d[4], d[5] = byte(y/10), byte(y%10)
	// A per-day offset makes the order of serials differ between days.
	off := int(uint32(key)*2654435761>>7) % chiSlots
	for {
		slot := int(a.next[key])
		a.next[key]++
		luhn := slot >= chiSlots
		// 7 is coprime with 500, so slot → j is a permutation of 0..499.
		j := (slot%chiSlots*7 + off) % chiSlots
		serial, sd := j/5, j%5
		d[6], d[7] = byte(serial/10), byte(serial%10)
		if sex == sexMale {
			d[8] = byte(2*sd + 1)
		} else {
			d[8] = byte(2 * sd)
		}
		m11 := chiMod11(&d)
		if !luhn {
			if m11 == 10 {
				continue
			}
			d[9] = byte(m11)
		} else {
			if slot >= 2*chiSlots {
				// Beyond a thousand people of one sex born on one day:
				// reuse is unavoidable; start over (never reached in
				// practice at the sizes synth is built for).
				a.next[key] = 0
			}
			l := chiLuhn(&d)
			if l == m11 {
				continue
			}
			d[9] = byte(l)
		}
		var b [10]byte
		for i := range d {
			b[i] = '0' + d[i]
		}
		return string(b[:])
	}
}
