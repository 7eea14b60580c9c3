//! A tracing filter that keeps the AWS SDK's own trace output from carrying AWS secrets.

/// Keeps AWS secrets out of the AWS SDK's own trace output.
///
/// At TRACE level the SDK prints every deserialized response in full (its
/// `GetCredentialsForIdentity` output type does not redact the session token), every request
/// with its headers (`x-amz-security-token` among them), and SigV4's canonical request (the
/// same header). While a wrapped future runs, those events are dropped; every other event
/// goes to the subscriber that was current.
pub(crate) trait WithoutSecretTraces: std::future::Future + Sized {
    fn without_secret_traces(self) -> tracing::instrument::WithDispatch<Self> {
        use tracing::instrument::WithSubscriber as _;
        let inner = tracing::dispatcher::get_default(tracing::Dispatch::clone);
        let max_level = tracing::level_filters::LevelFilter::current();
        self.with_subscriber(SecretFilter { inner, max_level })
    }
}

impl<F: std::future::Future> WithoutSecretTraces for F {}

struct SecretFilter {
    inner: tracing::Dispatch,
    /// The global maximum when the filter was made: reporting it keeps the filter from
    /// raising the level every other callsite is checked at.
    max_level: tracing::level_filters::LevelFilter,
}

impl SecretFilter {
    fn drops(meta: &tracing::Metadata<'_>) -> bool {
        let target = meta.target();
        let fields = meta.fields();
        let has = |name: &str| fields.field(name).is_some();
        (target.starts_with("aws_smithy_runtime") && (has("output_or_error") || has("request")))
            || (target.starts_with("aws_sigv4") && (has("canonical_request") || has("request")))
    }
}

impl tracing::Subscriber for SecretFilter {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if Self::drops(meta) {
            tracing::subscriber::Interest::never()
        } else {
            self.inner.register_callsite(meta)
        }
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(self.max_level)
    }

    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        !Self::drops(meta) && self.inner.enabled(meta)
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.inner.new_span(span)
    }

    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        self.inner.record(span, values);
    }

    fn record_follows_from(&self, span: &tracing::span::Id, follows: &tracing::span::Id) {
        self.inner.record_follows_from(span, follows);
    }

    fn event(&self, event: &tracing::Event<'_>) {
        if !Self::drops(event.metadata()) {
            self.inner.event(event);
        }
    }

    fn enter(&self, span: &tracing::span::Id) {
        self.inner.enter(span);
    }

    fn exit(&self, span: &tracing::span::Id) {
        self.inner.exit(span);
    }

    fn clone_span(&self, id: &tracing::span::Id) -> tracing::span::Id {
        self.inner.clone_span(id)
    }

    fn try_close(&self, id: tracing::span::Id) -> bool {
        self.inner.try_close(id)
    }

    fn current_span(&self) -> tracing_core::span::Current {
        self.inner.current_span()
    }
}
