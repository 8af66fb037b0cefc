using TokenService.Access;
using TokenService.Audit;
using TokenService.Callers;
using TokenService.Compat;
using TokenService.Database;
using TokenService.Hosting;
using TokenService.Maintenance;
using TokenService.Management;
using TokenService.OAuth;
using TokenService.OAuth.Lean;
using TokenService.Options;
using TokenService.Portal;
using TokenService.Security;
using TokenService.Tenants;
using TokenService.Tokens;
using TokenService.Users;

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddTokenServiceOptions();
    builder.AddTokenServiceTelemetry();
    builder.AddTokenServiceTracing();
    builder.AddTokenServiceData();
    builder.AddTokenServiceAudit();
    builder.AddTokenServiceTokens();
    builder.AddTokenServiceUsers();
    builder.AddTokenServiceCallers();
    builder.AddTokenServiceTenants();
    builder.AddTokenServiceOpenIddict();
    builder.AddUsergridCompat();
    builder.AddTokenServicePortal();
    builder.AddTokenServiceMaintenance();
    builder.AddTokenServiceHosting();
    builder.AddTokenServiceSecurity();
    builder.Services.AddAccessCheck();

    var app = builder.Build();

    if (args is ["migrate", ..])
    {
        return await app.RunMigrateCommandAsync();
    }

    app.ValidateSettings();
    app.StartTelemetry();
    app.UseTokenServiceRequestLog();
    app.UseRouteTagsOutsideRouting();
    app.UseTokenServiceSecurity();
    app.UseTokenServiceMetrics();
    app.UseTokenServiceHosting();
    app.UsePortalHeaders();
    app.UsePortalSignIn();
    app.UseLeanProtocolPath();
    app.UseUsergridTokenPaths();
    app.UseRouting();
    app.UseAuthentication();
    app.MapManagementApi();
    app.MapUsergridApplications();
    app.MapAccessCheck();
    app.MapPortal();
    app.MapBenchEndpoints();

    await app.InitializeDatabaseAsync();
    await app.RunAsync();
    return Environment.ExitCode;
}
catch (Exception exception) when (InvalidSettingException.Describe(exception) is { } message)
{
    // A bad setting is the operator's to fix: one line naming it, exit code 1, no stack trace.
    await Console.Error.WriteLineAsync(message);
    return 1;
}

/// <summary>Entry point; public so that integration tests can host it through WebApplicationFactory.</summary>
public partial class Program;
