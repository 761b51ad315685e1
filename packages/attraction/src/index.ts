export { AttrProc, clientAddress, type ConvertFailure, put } from './attraction.ts';
export { type ActionConfig, ACTIONS, actionProblem, actionSchema, actionsSchema, CONVERTED_TYPES } from './config.ts';
