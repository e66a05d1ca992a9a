/**
 * The batch state machine's definition as CloudFormation will deploy it, read back from a synthesized
 * template: the one definition local mode and the tests run with aws-local-stepfunctions. References
 * CloudFormation resolves at deploy time become stand-ins that name the resource they point to.
 */
export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
  [field: string]: unknown;
}

export type TemplatePart = string | { 'Fn::GetAtt'?: [string, string]; Ref?: string; [fn: string]: unknown };

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** `arn:aws:lambda:…:function:<LogicalId>` for a function ARN, the logical id for anything else. */
export function standIn(part: Exclude<TemplatePart, string>): string {
  const getAtt = part['Fn::GetAtt'];
  if (getAtt) {
    const [logicalId, attribute] = getAtt;
    return attribute === 'Arn' ? `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}` : logicalId;
  }
  if (part.Ref === 'AWS::Partition') return 'aws';
  if (part.Ref === 'AWS::Region') return 'us-east-1';
  if (part.Ref === 'AWS::AccountId') return '000000000000';
  if (part.Ref) return part.Ref;
  throw new Error(`unexpected reference in the state machine definition: ${JSON.stringify(part)}`);
}

export function stateMachineDefinitionFrom(template: Record<string, unknown>): StateMachineDefinition {
  const resources = (template.Resources ?? {}) as Record<string, TemplateResource>;
  const machines = Object.values(resources).filter(
    (resource) => resource.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1)
    throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const body = machines[0]!.Properties!.DefinitionString as string | { 'Fn::Join': [string, TemplatePart[]] };
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1]
          .map((part) => (typeof part === 'string' ? part : standIn(part)))
          .join(body['Fn::Join'][0]);
  return JSON.parse(text) as StateMachineDefinition;
}

/** Every state of the definition, Map item processors included, by name. */
export function allStates(definition: {
  States: Record<string, Record<string, unknown>>;
}): Map<string, Record<string, unknown>> {
  const states = new Map<string, Record<string, unknown>>();
  for (const [name, state] of Object.entries(definition.States)) {
    states.set(name, state);
    const processor = (state.ItemProcessor ?? state.Iterator) as typeof definition | undefined;
    if (processor) for (const [inner, innerState] of allStates(processor)) states.set(inner, innerState);
  }
  return states;
}
