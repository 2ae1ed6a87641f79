export * from '@org/hub-core';
export * from '@org/hub-bronze';
