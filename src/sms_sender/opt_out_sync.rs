//! The `SmsOptOutSync` function: keeps ACS's own opt-out list in step with our opt-out history,
//! so that ACS itself refuses a text to an opted-out person even when some other code bypasses
//! our outbox.
//!
//! A queue trigger on `sms-optout-sync` (one message per opt-out or opt-in keyword, written by
//! the SMS module) with the same `optOut` table input as `SmsSender`: the newest row of the
//! person's history. The function applies the state of that row, never the state the request
//! carries, with `optouts:add` or `optouts:remove`:
//! - a late or repeated request still applies the current state (order-safe, idempotent);
//! - a request whose own keyword is not in the history yet (the host sends queue messages before
//!   it writes table rows) fails with 500, and the queue retries it once the row is there;
//! - 429, 5xx and transport errors are retried within the budget, as `SmsSender` does, then 500;
//!   401/403 or a missing connection string: 503; a change ACS refuses for good (400): logged,
//!   200 (our own history still decides who is texted).

use crate::host::protocol::{self, InvocationData, InvocationResult, ProtocolError};
use crate::messaging::opt_out::{Recorded, SyncRequest};
use crate::messaging::phone::{SmsAddress, E164};
use crate::settings::{Settings, SettingsError};
use crate::sms_sender::acs_client::{OptOutAction, OptOutOutcome, SendError};
use crate::sms_sender::{history_of, LazyClient};

/// The function folder (and URL path).
pub const SMS_OPT_OUT_SYNC_FUNCTION: &str = "SmsOptOutSync";
/// The queue trigger binding in `SmsOptOutSync/function.json`.
pub const SYNC_BINDING: &str = "syncItem";

/// The `SmsOptOutSync` function.
#[derive(Debug)]
pub struct SmsOptOutSync {
    client: LazyClient,
}

impl SmsOptOutSync {
    /// Reads the settings (the same connection string and retry settings as `SmsSender`).
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(SmsOptOutSync {
            client: LazyClient::from_settings(settings)?,
        })
    }

    /// One invocation. A failure is also logged (to stderr): the host drops the `Logs` of a
    /// failed invocation.
    pub async fn invoke(&self, body: &[u8]) -> Result<InvocationResult, ProtocolError> {
        let result = self.sync_one(body).await;
        if let Err(e) = &result {
            tracing::warn!(
                "{SMS_OPT_OUT_SYNC_FUNCTION} failed (HTTP {}): {e}",
                e.status()
            );
        }
        result
    }

    async fn sync_one(&self, body: &[u8]) -> Result<InvocationResult, ProtocolError> {
        let data = InvocationData::parse(body)?;
        let raw = data.get(SYNC_BINDING)?;
        let history = history_of(&data, SMS_OPT_OUT_SYNC_FUNCTION)?;
        let mut result = InvocationResult::default();
        let mut done = |line: String| {
            tracing::info!("{line}");
            result.logs.push(line);
            Ok(std::mem::take(&mut result))
        };

        // A request that cannot be read can never be applied: say so, and let the history (which
        // is what decides who is texted) stand.
        let request: SyncRequest = match protocol::string_bound_value(raw, SYNC_BINDING) {
            Ok(request) => request,
            Err(e) => return done(format!("{SMS_OPT_OUT_SYNC_FUNCTION}: ignored, {e}")),
        };
        let label = format!(
            "{SMS_OPT_OUT_SYNC_FUNCTION} {}",
            request
                .keyword_message_id
                .chars()
                .take(120)
                .collect::<String>()
        );
        let parsed = SmsAddress::from_canonical(&request.from, "from")
            .and_then(|from| E164::parse(&request.to, "to").map(|to| (from, to)));
        let (from, to) = match parsed {
            Ok(numbers) => numbers,
            Err(e) => return done(format!("{label}: ignored, {e}")),
        };
        let key = match request.row_key() {
            Ok(key) => key,
            Err(e) => return done(format!("{label}: ignored, {e}")),
        };
        if history.compare(key.as_str()) == Recorded::NotYet {
            return Err(ProtocolError::Transient(format!(
                "{label}: the keyword is not in the opt-out history yet"
            )));
        }

        let opted_out = history.opted_out();
        let action = OptOutAction::for_state(opted_out);
        let masked = to.masked();
        let outcome = self
            .client
            .get()?
            .opt_out(action, from.as_str(), to.as_str())
            .await
            .map_err(|e| match e {
                SendError::Exhausted { .. } => ProtocolError::Transient(format!("{label}: {e}")),
                _ => ProtocolError::Unavailable(format!("{label}: {e}")),
            })?;
        let state = if opted_out { "opted out" } else { "opted in" };
        done(match outcome {
            OptOutOutcome::Applied { attempts } => format!(
                "{label}: ACS's opt-out list says {masked} is {state} (optouts:{}, {attempts} attempt(s))",
                action.as_str()
            ),
            OptOutOutcome::Rejected {
                http_status,
                attempts,
                ..
            } => format!(
                "{label}: ACS refused optouts:{} for {masked} (HTTP {http_status}) after {attempts} attempt(s); our history still says {state}",
                action.as_str()
            ),
        })
    }
}
