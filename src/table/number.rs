//! [`Number`]: DynamoDB's decimal number, up to 38 significant digits, compared by value.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use super::error::TableError;

/// Most significant digits a number may carry.
pub const MAX_PRECISION: usize = 38;
/// Largest decimal exponent (the value stays below 10^126).
const MAX_EXP: i32 = 126;
/// Smallest decimal exponent (the smallest magnitude is 10^-130).
const MIN_EXP: i32 = -129;

/// A DynamoDB number: a decimal of up to 38 significant digits, magnitude between
/// 1E-130 and 9.99…E+125 (or zero). `"1.50"`, `"1.5"` and `"15E-1"` are the same
/// number; numbers order by value, never as text.
///
/// ```
/// use localcloud::table::Number;
/// let a: Number = "1.50".parse()?;
/// let b: Number = "15E-1".parse()?;
/// assert_eq!(a, b);
/// assert!(Number::from(9) < Number::from(10));
/// assert_eq!(a.to_string(), "1.5");
/// # Ok::<(), localcloud::table::TableError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// Significant digits as ASCII, no leading or trailing zeros; empty for zero.
    digits: Box<[u8]>,
    /// The value is `0.digits × 10^exp`.
    exp: i32,
}

impl Number {
    /// Zero.
    pub fn zero() -> Self {
        Number { negative: false, digits: Box::new([]), exp: 0 }
    }

    /// Parses a decimal such as `-12.5` or `1e10`. Errors with `ValidationException`
    /// for malformed text, more than 38 significant digits, or a magnitude out of range.
    pub fn parse(text: &str) -> Result<Self, TableError> {
        let bad = || TableError::validation(format!("the parameter cannot be converted to a numeric value: {text}"));
        let s = text.trim();
        let (negative, s) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp_part) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let (int, frac) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let e: i64 = match exp_part {
            Some(p) if !p.is_empty() && p.len() <= 6 => p.parse().map_err(|_| bad())?,
            Some(_) => return Err(bad()),
            None => 0,
        };
        let all: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
        // value = 0.all × 10^(int.len() + e)
        Self::normalize(negative, &all, int.len() as i64 + e).ok_or_else(|| {
            TableError::validation(format!(
                "number {text} is out of range or has more than {MAX_PRECISION} significant digits"
            ))
        })
    }

    /// Strips zeros and checks precision and range: `value = 0.digits × 10^exp`.
    fn normalize(negative: bool, digits: &[u8], exp: i64) -> Option<Self> {
        let lead = digits.iter().take_while(|&&d| d == b'0').count();
        let rest = &digits[lead..];
        let trail = rest.iter().rev().take_while(|&&d| d == b'0').count();
        let sig = &rest[..rest.len() - trail];
        if sig.is_empty() {
            return Some(Self::zero());
        }
        let exp = exp - lead as i64;
        if sig.len() > MAX_PRECISION || exp > i64::from(MAX_EXP) || exp < i64::from(MIN_EXP) {
            return None;
        }
        Some(Number { negative, digits: sig.into(), exp: exp as i32 })
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Significant digits (0 for zero).
    pub fn precision(&self) -> usize {
        self.digits.len()
    }

    /// The bytes DynamoDB bills for this number: one per two significant digits, plus one.
    pub fn size(&self) -> usize {
        self.digits.len().div_ceil(2) + 1
    }

    /// The value as an `f64` (rounded).
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(0.0)
    }

    /// The sum, or `ValidationException` when it needs more than 38 digits or leaves the range.
    pub fn checked_add(&self, other: &Number) -> Result<Number, TableError> {
        if self.is_zero() {
            return Ok(other.clone());
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        // Integer digits at a common scale: value = int × 10^scale.
        let sa = self.exp as i64 - self.digits.len() as i64;
        let sb = other.exp as i64 - other.digits.len() as i64;
        let scale = sa.min(sb);
        let a = pad(&self.digits, (sa - scale) as usize);
        let b = pad(&other.digits, (sb - scale) as usize);
        let (negative, mag) = if self.negative == other.negative {
            (self.negative, add_mag(&a, &b))
        } else {
            match cmp_mag(&a, &b) {
                Ordering::Equal => return Ok(Number::zero()),
                Ordering::Greater => (self.negative, sub_mag(&a, &b)),
                Ordering::Less => (other.negative, sub_mag(&b, &a)),
            }
        };
        let exp = scale + mag.len() as i64;
        Number::normalize(negative, &mag, exp).ok_or_else(|| {
            TableError::validation(
                "number overflow: the result needs more than 38 digits of precision or is out of range",
            )
        })
    }

    /// The negation.
    pub fn negated(&self) -> Number {
        let mut n = self.clone();
        if !n.is_zero() {
            n.negative = !n.negative;
        }
        n
    }
}

fn pad(d: &[u8], zeros: usize) -> Vec<u8> {
    let mut v = d.to_vec();
    v.resize(d.len() + zeros, b'0');
    v
}

fn cmp_mag(a: &[u8], b: &[u8]) -> Ordering {
    let a = &a[a.iter().take_while(|&&d| d == b'0').count()..];
    let b = &b[b.iter().take_while(|&&d| d == b'0').count()..];
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn add_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len().max(b.len()) + 1;
    let mut out = vec![b'0'; n];
    let mut carry = 0u8;
    for i in 0..n {
        let da = if i < a.len() { a[a.len() - 1 - i] - b'0' } else { 0 };
        let db = if i < b.len() { b[b.len() - 1 - i] - b'0' } else { 0 };
        let s = da + db + carry;
        out[n - 1 - i] = b'0' + s % 10;
        carry = s / 10;
    }
    out
}

/// `a - b` for `a >= b`.
fn sub_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len();
    let mut out = vec![b'0'; n];
    let mut borrow = 0i8;
    for i in 0..n {
        let da = (a[n - 1 - i] - b'0') as i8;
        let db = if i < b.len() { (b[b.len() - 1 - i] - b'0') as i8 } else { 0 };
        let mut s = da - db - borrow;
        borrow = 0;
        if s < 0 {
            s += 10;
            borrow = 1;
        }
        out[n - 1 - i] = b'0' + s as u8;
    }
    out
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        fn class(n: &Number) -> i8 {
            if n.is_zero() {
                0
            } else if n.negative {
                -1
            } else {
                1
            }
        }
        let (ca, cb) = (class(self), class(other));
        if ca != cb || ca == 0 {
            return ca.cmp(&cb);
        }
        let mag = self.exp.cmp(&other.exp).then_with(|| self.digits.cmp(&other.digits));
        if self.negative {
            mag.reverse()
        } else {
            mag
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let d = std::str::from_utf8(&self.digits).unwrap_or("0");
        let mut s = String::with_capacity(d.len() + 4);
        if self.negative {
            s.push('-');
        }
        let len = d.len() as i32;
        if self.exp <= 0 {
            s.push_str("0.");
            s.extend(std::iter::repeat_n('0', (-self.exp) as usize));
            s.push_str(d);
        } else if self.exp >= len {
            s.push_str(d);
            s.extend(std::iter::repeat_n('0', (self.exp - len) as usize));
        } else {
            s.push_str(&d[..self.exp as usize]);
            s.push('.');
            s.push_str(&d[self.exp as usize..]);
        }
        f.write_str(&s)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl FromStr for Number {
    type Err = TableError;
    fn from_str(s: &str) -> Result<Self, TableError> {
        Number::parse(s)
    }
}

macro_rules! number_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                // Integers of these widths have at most 39 digits only for u128/i128,
                // which are not converted here, so this always fits.
                Number::parse(&v.to_string()).unwrap_or_else(|_| Number::zero())
            }
        }
    )*};
}
number_from_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn equal_values_in_different_spellings_are_equal() {
        assert_eq!(n("1.50"), n("1.5"));
        assert_eq!(n("15E-1"), n("1.5"));
        assert_eq!(n("-0"), n("0"));
        assert_eq!(n("0100"), n("1e2"));
    }

    #[test]
    fn numbers_order_by_value() {
        let mut v = [n("10"), n("9"), n("-1"), n("0"), n("-10"), n("0.5"), n("1e3")];
        v.sort();
        let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        assert_eq!(s, ["-10", "-1", "0", "0.5", "9", "10", "1000"]);
    }

    #[test]
    fn precision_and_range_are_checked() {
        assert!(Number::parse(&"1".repeat(38)).is_ok());
        assert!(Number::parse(&"1".repeat(39)).is_err());
        assert!(Number::parse("1E-130").is_ok());
        assert!(Number::parse("1E-131").is_err());
        assert!(Number::parse("9.9E125").is_ok());
        assert!(Number::parse("1E126").is_err());
        for bad in ["", "-", "abc", "1.2.3", "1e", "NaN", "Infinity", "1 2", "."] {
            assert!(Number::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn addition_is_exact() {
        assert_eq!(n("0.1").checked_add(&n("0.2")).unwrap(), n("0.3"));
        assert_eq!(n("5").checked_add(&n("-7")).unwrap(), n("-2"));
        assert_eq!(n("-5").checked_add(&n("5")).unwrap(), n("0"));
        assert_eq!(n("999").checked_add(&n("1")).unwrap().to_string(), "1000");
        assert!(n(&"9".repeat(38)).checked_add(&n("0.1")).is_err());
    }

    #[test]
    fn display_is_plain_decimal() {
        assert_eq!(n("0.001").to_string(), "0.001");
        assert_eq!(n("-12.50").to_string(), "-12.5");
        assert_eq!(n("12e3").to_string(), "12000");
    }
}
