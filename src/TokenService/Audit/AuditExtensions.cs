namespace TokenService.Audit;

/// <summary>Registers the audit log and the issuance events grants raise.</summary>
public static class AuditExtensions
{
    public static IHostApplicationBuilder AddTokenServiceAudit(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<IssuanceAudit>();
        return builder;
    }
}
