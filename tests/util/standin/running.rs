//! What a test does with a running stand-in: read the calls it got, change how it answers,
//! point the library or the CLI at it.

use serde_json::Value;

use super::Running;

impl Running {
    pub fn url(&self) -> String {
        match &self.server {
            Some(server) => server.uri(),
            None => unreachable!("the server lives as long as the stand-in"),
        }
    }

    /// The operations called so far, in order.
    pub fn operations(&self) -> Vec<String> {
        self.standin
            .state
            .lock()
            .unwrap()
            .calls
            .iter()
            .map(|(op, _)| op.clone())
            .collect()
    }

    /// The bodies of every call of one operation.
    pub fn bodies(&self, op: &str) -> Vec<Value> {
        self.standin
            .state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// Tokens issued from now on live this long.
    pub fn set_lifetime(&self, secs: u64) {
        self.standin.state.lock().unwrap().lifetime_secs = secs;
    }

    /// Refreshes keep the refresh token instead of rotating it.
    pub fn keep_refresh_tokens(&self) {
        self.standin.state.lock().unwrap().keep_refresh_tokens = true;
    }

    /// Turns device tracking on (NewDeviceMetadata, DEVICE_SRP_AUTH).
    pub fn track_devices(&self) {
        self.standin.state.lock().unwrap().track_devices = true;
    }

    /// Forgets every device (as if forgotten from another machine).
    pub fn forget_all_devices(&self) {
        self.standin.state.lock().unwrap().devices.clear();
    }

    /// The one-time code the stand-in last "e-mailed".
    pub fn email_code(&self) -> Option<String> {
        self.standin.state.lock().unwrap().email_code.clone()
    }

    /// Rotated refresh tokens stay usable this long.
    pub fn set_grace(&self, grace: std::time::Duration) {
        self.standin.state.lock().unwrap().grace = grace;
    }

    /// The stand-in's clock runs this many seconds ahead of the real one (negative: behind).
    pub fn set_clock_offset(&self, secs: i64) {
        self.standin.state.lock().unwrap().clock_offset = secs;
    }

    /// Every answer from now on waits `delay` before it is sent.
    pub fn set_delay(&self, delay: std::time::Duration) {
        self.standin.state.lock().unwrap().delay = delay;
    }

    /// `op` is answered with `status`, `content_type` and `body` from now on.
    pub fn fail(&self, op: &str, status: u16, content_type: &'static str, body: &str) {
        self.standin
            .state
            .lock()
            .unwrap()
            .faults
            .insert(op.to_owned(), (status, content_type, body.to_owned()));
    }

    /// Operations the stand-in does not know get this answer from now on (as moto's crash
    /// page), instead of AWS's 400 UnknownOperationException.
    pub fn answer_unknown_operations_with(
        &self,
        status: u16,
        content_type: &'static str,
        body: &str,
    ) {
        self.standin.state.lock().unwrap().unknown_operation_answer =
            Some((status, content_type, body.to_owned()));
    }

    /// Revokes every refresh token (as an administrator's global sign-out does).
    pub fn revoke_all(&self) {
        let mut state = self.standin.state.lock().unwrap();
        state.refresh_tokens.clear();
        state.spent.clear();
    }

    /// How many times an operation was called.
    pub fn count(&self, op: &str) -> usize {
        self.bodies(op).len()
    }

    /// Library settings pointing at this stand-in.
    pub fn settings(&self) -> unleashlive_auth::Settings {
        let mut s = unleashlive_auth::Settings::default();
        s.region = Some("ap-southeast-2".into());
        s.user_pool_id = Some(self.standin.pool_id.clone());
        s.client_id = Some(self.standin.client_id.clone());
        s.client_secret = self
            .standin
            .client_secret
            .clone()
            .map(unleashlive_auth::ClientSecret::new);
        s.endpoint_url = Some(self.url());
        s
    }

    /// CLI environment pointing at this stand-in.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("UL_REGION".to_owned(), "ap-southeast-2".to_owned()),
            ("UL_USER_POOL_ID".to_owned(), self.standin.pool_id.clone()),
            ("UL_CLIENT_ID".to_owned(), self.standin.client_id.clone()),
            ("AWS_ENDPOINT_URL".to_owned(), self.url()),
        ];
        if let Some(secret) = &self.standin.client_secret {
            env.push(("UL_CLIENT_SECRET".to_owned(), secret.clone()));
        }
        env
    }
}
