using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Hosting;

/// <summary>
/// Runs the README's curl walkthrough verbatim with bash against a real Kestrel host on loopback, so the
/// documentation a new user pastes is proven by every CI run.
/// </summary>
public sealed class ReadmeWalkthroughTests
{
    [Fact]
    public async Task ReadmeWalkthrough_PastedIntoBash_Succeeds()
    {
        var script = ExtractWalkthrough(await File.ReadAllTextAsync(FindReadme()));
        await using var factory = new TokenServiceFactory(null, null);
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var (exitCode, output) = await RunBashAsync(script, new Dictionary<string, string>
        {
            ["TS"] = address.TrimEnd('/'),
            ["SU"] = $"superuser:{TokenServiceFactory.SuperuserPassword}",
        });

        Assert.True(exitCode == 0, $"The walkthrough failed (exit {exitCode}):\n{output}");
        var lines = output.Split('\n').Select(line => line.Trim()).ToList();
        // One "true" per jq -e check the README holds: adding or removing a check needs no change here.
        var checks = script.Split('\n').Count(line => !line.TrimStart().StartsWith('#') && line.Contains("jq -e", StringComparison.Ordinal));
        Assert.True(checks >= 8, $"The walkthroughs hold only {checks} checks.");
        Assert.Equal(checks, lines.Count(line => line == "true"));
        Assert.Contains("200", lines);
    }

    /// <summary>Every walkthrough block of the README, in order, as one script (later blocks continue earlier ones).</summary>
    private static string ExtractWalkthrough(string readme)
    {
        var script = new System.Text.StringBuilder();
        for (var start = readme.IndexOf("<!-- walkthrough:begin -->", StringComparison.Ordinal); start >= 0;
             start = readme.IndexOf("<!-- walkthrough:begin -->", start + 1, StringComparison.Ordinal))
        {
            var end = readme.IndexOf("<!-- walkthrough:end -->", start, StringComparison.Ordinal);
            var block = readme[start..end];
            var code = block.IndexOf("```sh\n", StringComparison.Ordinal) + "```sh\n".Length;
            script.Append(block[code..block.LastIndexOf("```", StringComparison.Ordinal)]);
        }

        Assert.True(script.Length > 0, "README.md has no walkthrough block.");
        return script.ToString();
    }

    private static async Task<(int ExitCode, string Output)> RunBashAsync(string script, Dictionary<string, string> environment)
    {
        // -e: the first failing step (curl -f on an HTTP error, jq -e on a false assertion) fails the run.
        var start = new ProcessStartInfo("bash", ["-e", "-o", "pipefail", "-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string FindReadme()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "README.md");
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "TokenService.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("README.md not found above the test binaries.");
    }
}
