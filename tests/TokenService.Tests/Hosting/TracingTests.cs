using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Hosting;

/// <summary>
/// Traces, caught by an in-memory exporter beside the OTLP one: what they record — requests and their database
/// commands — and no credential in them. (The database spans went missing when the suite had warmed the process up:
/// EF Core had cached "nobody listens" in the contexts used at start, before the tracer existed;
/// <c>StartTelemetry</c> now builds it first.)
/// </summary>
[Collection(Alone.Name)]
public sealed class TracingTests
{
    [Fact]
    public async Task Spans_OfRequestsCarryingCredentials_RecordNoCredentialAndRedactQueryValues()
    {
        // Arrange
        var exported = new ExportedSpans();
        var logs = new CapturedLogs();
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9", // nothing listens: the export fails quietly
            ["Logging:LogLevel:TokenService.Requests"] = "Information",
        })
        {
            ExtraServices = services =>
            {
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported));
                services.AddSingleton<ILoggerProvider>(logs);
            },
        };
        using var api = factory.CreateServiceClient();
        var org = await api.CreateOrgAsync();

        // Act: a token by HTTP Basic, one by client_secret in the query (Usergrid style), a bearer call with a query.
        var token = await api.GetTokenAsync(org.Sandbox);
        using var byQuery = await api.Http.GetAsync(
            $"/{org.Name}/sandbox/token?grant_type=client_credentials&client_id={org.Sandbox.ClientId}&client_secret={org.Sandbox.ClientSecret}");
        using var call = await api.Http.GetAsync($"/{org.Name}/sandbox?access_token={token}&limit=5");

        // The last server span ends after its response is written: waited for (at most five seconds), not guessed.
        const string redacted = "access_token=REDACTED&limit=REDACTED";
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!exported.Snapshot().Any(s => (string?)s.GetTagItem("url.query") == redacted) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var spans = exported.Snapshot();

        // Assert
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        var server = spans.Where(s => s.Kind == ActivityKind.Server).ToList();
        Assert.Contains(server, s => (string?)s.GetTagItem("url.query") == redacted);

        // A request's own database commands, not only those of the start (which run before any request).
        var requestTraces = server.Select(s => s.TraceId).ToHashSet();
        Assert.Contains(spans, s => s.Kind == ActivityKind.Client && s.Source.Name.Contains("EntityFrameworkCore", StringComparison.Ordinal) &&
                                    requestTraces.Contains(s.TraceId));
        var everything = string.Join('\n', spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(s.DisplayName)));
        foreach (var secret in new[] { org.Sandbox.ClientSecret, org.Client.ClientSecret, token, "Basic ", "Bearer " })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }

        // The request log line of a traced request names its trace.
        var traced = server.Select(s => s.TraceId.ToHexString()).ToHashSet();
        Assert.Contains(logs.Lines, line => line.Contains(" answered ", StringComparison.Ordinal) && traced.Any(id => line.Contains(id, StringComparison.Ordinal)));
    }

    [Fact]
    public void RedactQuery_KeepsNamesAndReplacesEveryValue()
    {
        Assert.Equal("client_id=REDACTED&client_secret=REDACTED&a=REDACTED&a=REDACTED",
            TokenService.Hosting.TracingExtensions.RedactQuery("?client_id=x&client_secret=s3cr%20et&a=1&a=2"));
    }

    /// <summary>What the in-memory exporter writes (from request threads) and the test reads, under one lock.</summary>
    private sealed class ExportedSpans : ICollection<Activity>
    {
        private readonly List<Activity> _spans = [];

        public int Count => Snapshot().Length;

        public bool IsReadOnly => false;

        public Activity[] Snapshot()
        {
            lock (_spans)
            {
                return [.. _spans];
            }
        }

        public void Add(Activity item)
        {
            lock (_spans)
            {
                _spans.Add(item);
            }
        }

        public void Clear()
        {
            lock (_spans)
            {
                _spans.Clear();
            }
        }

        public bool Contains(Activity item) => Snapshot().Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(Activity item)
        {
            lock (_spans)
            {
                return _spans.Remove(item);
            }
        }

        public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)Snapshot()).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class CapturedLogs : ILoggerProvider, ILogger
    {
        public ConcurrentBag<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
