import { allStates, StateMachineDefinition, standIn, TemplatePart } from '../lib/state-machine-definition';

type TemplateValue = TemplatePart | { 'Fn::Join': [string, TemplatePart[]] };

interface TemplateResource {
  Type: string;
  Properties?: { Environment?: { Variables?: Record<string, TemplateValue> } };
}

/**
 * The variables the template gives the function of each Task state, by state name. A reference listed
 * in `references` becomes its local value, or drops the variable where that is null (a secret whose
 * values come from elsewhere locally); any other reference becomes the stand-in the definition uses.
 */
export function taskEnvironments(
  template: Record<string, unknown>,
  definition: StateMachineDefinition,
  references: Record<string, string | null>,
): Record<string, Record<string, string>> {
  const resources = (template.Resources ?? {}) as Record<string, TemplateResource>;
  const environments: Record<string, Record<string, string>> = {};
  for (const [name, state] of allStates(definition)) {
    const functionId = /:function:([^:]+)$/.exec(String(state.Resource ?? ''))?.[1];
    if (state.Type !== 'Task' || !functionId) continue;
    const fn = resources[functionId];
    if (fn?.Type !== 'AWS::Lambda::Function')
      throw new Error(`task "${name}" invokes ${functionId}, which is not a function of the template`);
    const resolved = Object.entries(fn.Properties?.Environment?.Variables ?? {}).map(
      ([variable, value]) => [variable, localValue(value, references)] as const,
    );
    environments[name] = Object.fromEntries(resolved.filter(([, value]) => value !== null)) as Record<
      string,
      string
    >;
  }
  return environments;
}

function localValue(value: TemplateValue, references: Record<string, string | null>): string | null {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, TemplatePart[]] })['Fn::Join'];
  if (join) {
    const [separator, parts] = join;
    return parts.map((part) => localValue(part, references) ?? '').join(separator);
  }
  const part = value as Exclude<TemplatePart, string>;
  if (part.Ref && part.Ref in references) return references[part.Ref]!;
  return standIn(part);
}

/**
 * The sources' settings (PIPELINE_SOURCE_SETTINGS) as a local task gets them: without the secrets'
 * ARNs, since locally a source's secret values come from the shell (or the fixture API's), never
 * from Secrets Manager. Everything else, URLs and resources and limits, stays as deployed.
 */
export function withoutSecretArns(settings: string): string {
  const parsed = JSON.parse(settings) as Record<string, Record<string, unknown>>;
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(parsed).map(([source, { secretArn: _credential, ...rest }]) => [source, rest]),
    ),
  );
}
