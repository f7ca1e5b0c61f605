using Mono.Cecil;
using Mono.Cecil.Cil;

namespace EcoMonitor.Service.Tests.Architecture;

/// <summary>A use of one type by another, as the compiled code has it (signatures, attributes and method bodies).</summary>
/// <param name="From">The using type (nested types count as their outermost type).</param>
/// <param name="ToAssembly">The assembly that defines the used type.</param>
/// <param name="ToNamespace">Its namespace.</param>
/// <param name="ToType">Its full name, without generic arguments.</param>
internal sealed record TypeUse(TypeDefinition From, string ToAssembly, string ToNamespace, string ToType)
{
    public string FromNamespace => Outermost(From).Namespace;

    public string FromType => Outermost(From).FullName;

    internal static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }
}

/// <summary>
/// Every type an assembly's code uses, read from its IL with Mono.Cecil: what the compiler let
/// through, whatever the source's <c>using</c> lines say.
/// </summary>
internal static class TypeDependencies
{
    public static IReadOnlyList<TypeUse> Of(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var uses = new List<TypeUse>();
        foreach (var type in module.GetTypes())
        {
            foreach (var reference in Referenced(type).SelectMany(Flatten))
            {
                if (reference is GenericParameter)
                {
                    continue;
                }

                var outer = TypeUse.Outermost(reference);
                uses.Add(new TypeUse(type, AssemblyOf(reference, module), outer.Namespace, outer.FullName));
            }
        }

        return uses;
    }

    private static string AssemblyOf(TypeReference reference, ModuleDefinition module) => reference.Scope switch
    {
        ModuleDefinition own => own.Assembly.Name.Name,
        AssemblyNameReference name => name.Name,
        _ => module.Assembly.Name.Name,
    };

    private static IEnumerable<TypeReference> Flatten(TypeReference? reference)
    {
        switch (reference)
        {
            case null:
                yield break;
            case GenericInstanceType generic:
                foreach (var part in Flatten(generic.ElementType).Concat(generic.GenericArguments.SelectMany(Flatten)))
                {
                    yield return part;
                }

                yield break;
            case TypeSpecification specification: // arrays, by-ref, pointers, modifiers
                foreach (var part in Flatten(specification.ElementType))
                {
                    yield return part;
                }

                yield break;
            default:
                yield return reference;
                yield break;
        }
    }

    private static IEnumerable<TypeReference> Referenced(TypeDefinition type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var reference in type.Interfaces.Select(i => i.InterfaceType)
            .Concat(Attributes(type))
            .Concat(type.GenericParameters.SelectMany(p => p.Constraints).Select(c => c.ConstraintType))
            .Concat(type.Fields.SelectMany(f => Attributes(f).Append(f.FieldType)))
            .Concat(type.Properties.SelectMany(p => Attributes(p).Append(p.PropertyType)))
            .Concat(type.Events.Select(e => e.EventType)))
        {
            yield return reference;
        }

        foreach (var method in type.Methods)
        {
            yield return method.ReturnType;
            foreach (var reference in Attributes(method)
                .Concat(method.Parameters.Select(p => p.ParameterType))
                .Concat(method.GenericParameters.SelectMany(p => p.Constraints).Select(c => c.ConstraintType)))
            {
                yield return reference;
            }

            if (!method.HasBody)
            {
                continue;
            }

            foreach (var variable in method.Body.Variables)
            {
                yield return variable.VariableType;
            }

            foreach (var handler in method.Body.ExceptionHandlers.Where(h => h.CatchType is not null))
            {
                yield return handler.CatchType;
            }

            foreach (var reference in method.Body.Instructions.SelectMany(Operands))
            {
                yield return reference;
            }
        }
    }

    private static IEnumerable<TypeReference> Operands(Instruction instruction)
    {
        switch (instruction.Operand)
        {
            case TypeReference type:
                yield return type;
                break;
            case MethodReference method:
                yield return method.DeclaringType;
                yield return method.ReturnType;
                foreach (var parameter in method.Parameters)
                {
                    yield return parameter.ParameterType;
                }

                if (method is GenericInstanceMethod generic)
                {
                    foreach (var argument in generic.GenericArguments)
                    {
                        yield return argument;
                    }
                }

                break;
            case FieldReference field:
                yield return field.DeclaringType;
                yield return field.FieldType;
                break;
        }
    }

    private static IEnumerable<TypeReference> Attributes(ICustomAttributeProvider provider) =>
        provider.CustomAttributes.Select(a => a.AttributeType);
}
