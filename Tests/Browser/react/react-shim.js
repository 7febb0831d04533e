// 'react' for the test page: the UMD build's global as an ES module.
const React = window.React;
export default React;
export const { Children, Component, Fragment, StrictMode, createElement, createContext, useCallback, useContext,
  useEffect, useMemo, useReducer, useRef, useState } = React;
